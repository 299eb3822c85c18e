"""The delegate's screen and the welcome-gate board: web pages served by the hub."""
