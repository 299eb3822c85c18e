"""The presidium's side: the chair's console page and the Python control client."""
