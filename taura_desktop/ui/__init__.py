"""The Qt editor (PySide6). Everything Qt lives under this package; the core never imports it."""
