// The embed's sign-in pop-up (embed_signin.py): signs the reader in (or up) on this server and
// hands the session's token to the page that opened the pop-up, by postMessage to the one
// origin the server checked is a registered site's. The password never leaves this page but to
// this server; the opener receives a token and the user's name, nothing else.
"use strict";

(() => {
  const main = document.getElementById("signin");
  if (!main) return;
  const origin = main.dataset.origin;
  const status = document.getElementById("status");

  function say(text, kind) {
    status.textContent = text;
    status.className = kind || "";
  }

  function opener() {
    try {
      return window.opener && !window.opener.closed ? window.opener : null;
    } catch {
      return null;
    }
  }

  async function send(form, path) {
    const target = opener();
    if (!target) {
      // No page to hand a token to: make no session that nothing would ever use.
      say("Open this window from the site's Sign in button: there is no page to sign in for.",
          "error");
      return;
    }
    const data = new FormData(form);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    say("Signing in…");
    try {
      const response = await fetch(`${path}?origin=${encodeURIComponent(origin)}`, {
        method: "POST",
        headers: {"Content-Type": "application/json", "Accept": "application/json"},
        body: JSON.stringify({username: data.get("username"), password: data.get("password")}),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status !== 201) {
        const error = body.error || {};
        const wait = error.retry_after ? ` Try again in ${error.retry_after} s.` : "";
        say((error.message || `The server answered ${response.status}.`) + wait, "error");
        return;
      }
      target.postMessage({type: "postil-signed-in", token: body.token, user: body.user}, origin);
      form.reset();
      say(`Signed in as ${body.user.name}. You can go back to the page; this window closes.`,
          "done");
      setTimeout(() => window.close(), 1500);
    } catch {
      say("The server could not be reached. Try again.", "error");
    } finally {
      button.disabled = false;
    }
  }

  const signin = document.getElementById("signin-form");
  const signup = document.getElementById("signup-form");
  signin.addEventListener("submit", (event) => {
    event.preventDefault();
    send(signin, "/embed/signin");
  });
  if (signup) {
    const toSignup = document.getElementById("to-signup");
    const toSignin = document.getElementById("to-signin");
    const show = (up) => {
      signup.hidden = !up;
      signin.hidden = up;
      toSignup.hidden = up;
      toSignin.hidden = !up;
      say("");
      (up ? signup : signin).querySelector("input").focus();
    };
    toSignup.addEventListener("click", () => show(true));
    toSignin.addEventListener("click", () => show(false));
    signup.addEventListener("submit", (event) => {
      event.preventDefault();
      send(signup, "/embed/signup");
    });
  }
  signin.querySelector("input").focus();
})();
