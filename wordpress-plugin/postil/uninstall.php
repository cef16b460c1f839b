<?php
/**
 * Deleting the plugin forgets the Postil server's address; the notes stay on the server, and
 * the counts kept for a few minutes expire by themselves.
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'postil_server' );
