// The manual light/dark choice, applied before the page paints (loaded without defer).
"use strict";
(() => {
  try {
    const theme = localStorage.getItem("companion.theme");
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  } catch (err) { /* storage blocked: follow the system */ }
})();
