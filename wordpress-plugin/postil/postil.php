<?php
/**
 * Plugin Name:       Postil
 * Description:       Shows your readers the public notes made on your posts with Postil, without the browser extension, and counts them in each post's meta line.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * License:           MIT
 * Text Domain:       postil
 *
 * Small on purpose: everything a reader sees is decided by the Postil server. This file adds the
 * server's embed (`SERVER/embed.js`) to single posts, asks the server for a post's count of
 * public notes (anonymously, cached for a few minutes) and shows, on Settings → Postil, the
 * server's address and the policy the server holds for this site.
 */

defined( 'ABSPATH' ) || exit;

const POSTIL_OPTION = 'postil_server';
// How long a post's count of public notes is kept, and how long a failed ask is not repeated.
const POSTIL_COUNT_SECONDS = 300;
const POSTIL_FAILED_SECONDS = 60;
// A page waits this long at most for the server's answer (the count is left out after that).
const POSTIL_TIMEOUT_SECONDS = 3;

/** The Postil server's address as stored ("" until it is set), without a trailing slash. */
function postil_server() {
	return (string) get_option( POSTIL_OPTION, '' );
}

/**
 * An address typed on the settings page, checked: an http(s) URL with a host and nothing after
 * its path. Returns it without a trailing slash, "" for nothing typed, null when it is not one.
 */
function postil_clean_server( $value ) {
	$value = trim( (string) $value );
	if ( '' === $value ) {
		return '';
	}
	$parts = wp_parse_url( $value );
	if ( ! is_array( $parts ) || empty( $parts['host'] )
		|| ! in_array( strtolower( $parts['scheme'] ?? '' ), array( 'http', 'https' ), true )
		|| isset( $parts['query'] ) || isset( $parts['fragment'] ) || isset( $parts['user'] ) || isset( $parts['pass'] )
		|| esc_url_raw( $value, array( 'http', 'https' ) ) !== $value ) {
		return null;
	}
	return untrailingslashit( $value );
}

/** The address of one of the server's API paths, with its query. */
function postil_api_url( $path, $query ) {
	return postil_server() . $path . '?' . http_build_query( $query, '', '&', PHP_QUERY_RFC3986 );
}

/* ---- The embed, on single posts only ---- */

add_action( 'wp_head', 'postil_embed_tag' );

function postil_embed_tag() {
	$server = postil_server();
	if ( '' === $server || ! is_singular( 'post' ) ) {
		return;
	}
	wp_print_script_tag(
		array(
			'id'    => 'postil-embed',
			'src'   => esc_url( $server . '/embed.js' ),
			'async' => true,
		)
	);
}

/* ---- The count of public notes, in the post's meta line ---- */

/**
 * How many public notes the post has on the server, asked anonymously and kept for a few
 * minutes; null when the server is not set or did not answer (the page then shows no count).
 */
function postil_public_count( $post_id ) {
	$server = postil_server();
	if ( '' === $server ) {
		return null;
	}
	$key    = 'postil_count_' . (int) $post_id;
	$cached = get_transient( $key );
	if ( is_array( $cached ) && ( $cached['server'] ?? null ) === $server ) {
		return $cached['count'];
	}
	$count    = null;
	$response = wp_remote_get(
		postil_api_url( '/api/annotations', array( 'site' => home_url( '/' ), 'post_id' => (int) $post_id, 'limit' => 0 ) ),
		array( 'timeout' => POSTIL_TIMEOUT_SECONDS, 'headers' => array( 'Accept' => 'application/json' ) )
	);
	if ( ! is_wp_error( $response ) && 200 === wp_remote_retrieve_response_code( $response ) ) {
		$data = json_decode( wp_remote_retrieve_body( $response ), true );
		if ( is_array( $data ) && isset( $data['total'] ) && is_int( $data['total'] ) && $data['total'] >= 0 ) {
			$count = $data['total'];
		}
	}
	set_transient( $key, array( 'server' => $server, 'count' => $count ), null === $count ? POSTIL_FAILED_SECONDS : POSTIL_COUNT_SECONDS );
	return $count;
}

/**
 * The count as the meta line shows it, or "" when there is none to show: a paragraph after a
 * block theme's date block, a `span` in a classic theme's meta line (`$tag`).
 */
function postil_count_html( $post_id, $tag = 'p' ) {
	$count = postil_public_count( $post_id );
	if ( null === $count ) {
		return '';
	}
	/* translators: %s: how many public notes the post has; shown in brackets after the post's date */
	$text = sprintf( _n( '(%s public note)', '(%s public notes)', $count, 'postil' ), number_format_i18n( $count ) );
	$tag = 'span' === $tag ? 'span' : 'p';
	return '<' . $tag . ' class="postil-count">' . esc_html( $text ) . '</' . $tag . '>';
}

/** For a classic theme: `<?php if ( function_exists( 'postil_the_count' ) ) postil_the_count(); ?>` in its meta line. */
function postil_the_count() {
	if ( is_singular( 'post' ) ) {
		echo wp_kses_post( postil_count_html( get_the_ID(), 'span' ) );
	}
}

// Block themes: after the post's date, on the single post's own page only (not in a list of posts).
add_filter( 'render_block_core/post-date', 'postil_count_after_date', 10, 3 );

function postil_count_after_date( $content, $block, $instance = null ) {
	$post_id = (int) ( $instance->context['postId'] ?? 0 );
	if ( ! is_singular( 'post' ) || ! $post_id || get_queried_object_id() !== $post_id ) {
		return $content;
	}
	return $content . postil_count_html( $post_id );
}

/* ---- Settings → Postil ---- */

add_action( 'admin_init', 'postil_register_setting' );
add_action( 'admin_menu', 'postil_add_settings_page' );

function postil_register_setting() {
	register_setting(
		'postil',
		POSTIL_OPTION,
		array(
			'type'              => 'string',
			'default'           => '',
			'sanitize_callback' => 'postil_sanitize_server',
		)
	);
}

/** What options.php stores: the address checked, or the one stored before with an error shown. */
function postil_sanitize_server( $value ) {
	$clean = postil_clean_server( $value );
	if ( null === $clean ) {
		add_settings_error( POSTIL_OPTION, 'postil_bad_server', __( 'The Postil server must be an address starting with https:// or http://, such as https://postil.example.org.', 'postil' ) );
		return postil_server();
	}
	return $clean;
}

function postil_add_settings_page() {
	add_options_page( __( 'Postil', 'postil' ), __( 'Postil', 'postil' ), 'manage_options', 'postil', 'postil_settings_page' );
}

/**
 * The server's word on this site: `GET /api/sites/lookup?url=HOME` answers its policy, or that
 * the site is not registered. Returns [kind, data]: "site" with the answer, "unregistered", or
 * "error" with a message.
 */
function postil_site_policy() {
	$response = wp_remote_get(
		postil_api_url( '/api/sites/lookup', array( 'url' => home_url( '/' ) ) ),
		array( 'timeout' => POSTIL_TIMEOUT_SECONDS, 'headers' => array( 'Accept' => 'application/json' ) )
	);
	if ( is_wp_error( $response ) ) {
		return array( 'error', $response->get_error_message() );
	}
	$status = wp_remote_retrieve_response_code( $response );
	$data   = json_decode( wp_remote_retrieve_body( $response ), true );
	if ( 200 === $status && is_array( $data ) && isset( $data['policy'] ) && is_array( $data['policy'] ) ) {
		return array( 'site', $data );
	}
	// Every error of the API is {"error": {"code", "message"}}.
	$error = is_array( $data ) && isset( $data['error'] ) && is_array( $data['error'] ) ? $data['error'] : array();
	if ( 404 === $status && 'site_not_registered' === ( $error['code'] ?? null ) ) {
		return array( 'unregistered', null );
	}
	/* translators: %d: the HTTP status the server answered */
	$message = sprintf( __( 'the server answered HTTP %d', 'postil' ), $status );
	if ( isset( $error['message'] ) && is_string( $error['message'] ) ) {
		$message .= ': ' . $error['message'];
	}
	return array( 'error', $message );
}

function postil_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		wp_die( esc_html__( 'You may not change the settings of this site.', 'postil' ), 403 );
	}
	$server = postil_server();
	?>
	<div class="wrap">
		<h1><?php echo esc_html( get_admin_page_title() ); ?></h1>
		<?php // A page under Settings has its errors and "Settings saved." shown by WordPress (options-head.php). ?>
		<form method="post" action="options.php">
			<?php settings_fields( 'postil' ); ?>
			<table class="form-table" role="presentation">
				<tr>
					<th scope="row"><label for="postil-server"><?php esc_html_e( 'Postil server', 'postil' ); ?></label></th>
					<td>
						<input type="url" class="regular-text code" id="postil-server" name="<?php echo esc_attr( POSTIL_OPTION ); ?>"
							value="<?php echo esc_attr( $server ); ?>" placeholder="https://postil.example.org">
						<p class="description"><?php esc_html_e( 'The address of the Postil server your readers\' notes are kept on. Single posts then include its embed, and each post\'s meta line counts its public notes.', 'postil' ); ?></p>
					</td>
				</tr>
			</table>
			<?php submit_button(); ?>
		</form>
		<?php if ( '' !== $server ) : ?>
			<h2><?php esc_html_e( 'This site on the Postil server', 'postil' ); ?></h2>
			<?php postil_policy_section(); ?>
		<?php endif; ?>
	</div>
	<?php
}

function postil_policy_section() {
	list( $kind, $data ) = postil_site_policy();
	if ( 'unregistered' === $kind ) {
		echo '<p id="postil-policy">' . esc_html__( 'This site is not registered on this server: its readers see the public notes made on your posts, and write with the Postil extension. The server\'s operator registers a site to set its policy.', 'postil' ) . '</p>';
		return;
	}
	if ( 'error' === $kind ) {
		/* translators: %s: why the server's answer could not be read */
		echo '<p id="postil-policy" class="notice notice-error">' . esc_html( sprintf( __( 'The Postil server could not tell this site\'s policy (%s).', 'postil' ), $data ) ) . '</p>';
		return;
	}
	$policy = $data['policy'];
	$limit  = (int) ( $policy['public_per_hour'] ?? 0 );
	$embed  = array(
		'off'       => __( 'off: the embed shows nothing', 'postil' ),
		'read-only' => __( 'read-only: public notes shown; readers write with the extension', 'postil' ),
		'members'   => __( 'members: the site\'s members write on the page', 'postil' ),
		'signed-in' => __( 'signed-in: any signed-in reader writes on the page', 'postil' ),
	);
	$moderation = array(
		'pre'  => __( 'pre: new public notes wait for a moderator\'s approval', 'postil' ),
		'post' => __( 'post: public notes are shown at once, moderators act afterwards', 'postil' ),
	);
	$rows = array(
		__( 'Registered as', 'postil' )                    => (string) ( $data['name'] ?? $data['site'] ?? '' ),
		__( 'Embed', 'postil' )                            => $embed[ $policy['embed'] ?? '' ] ?? (string) ( $policy['embed'] ?? '' ),
		__( 'Moderation', 'postil' )                       => $moderation[ $policy['moderation'] ?? '' ] ?? (string) ( $policy['moderation'] ?? '' ),
		__( 'Public notes per reader per hour', 'postil' ) => $limit > 0 ? number_format_i18n( $limit ) : __( 'no limit', 'postil' ),
	);
	echo '<table id="postil-policy" class="form-table" role="presentation">';
	foreach ( $rows as $label => $value ) {
		echo '<tr><th scope="row">' . esc_html( $label ) . '</th><td>' . esc_html( $value ) . '</td></tr>';
	}
	echo '</table>';
}
