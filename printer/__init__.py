"""Certificate and receipt printing: ESC/POS codec, transports, layout, security printing."""
