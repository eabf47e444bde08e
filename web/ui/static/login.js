// The login view: the API's own message ("detail") on failure, lockouts and throttling included.
import {ApiError, login} from "./api.js";

export function showLogin(onLoggedIn) {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  const submit = document.getElementById("login-submit");
  error.textContent = "";
  form.onsubmit = async (event) => {
    event.preventDefault();
    const username = document.getElementById("login-username").value.trim();
    const password = document.getElementById("login-password").value;
    if (!username || !password) {
      error.textContent = "Enter your username and password.";
      return;
    }
    submit.disabled = true;
    error.textContent = "";
    try {
      await login(username, password);
      document.getElementById("login-password").value = "";
      onLoggedIn();
    } catch (exc) {
      error.textContent = exc instanceof ApiError ? exc.message : "The server cannot be reached.";
    } finally {
      submit.disabled = false;
    }
  };
  document.getElementById("login-username").focus();
}
