"""My Number card (JPKI application) over PC/SC: APDU codec, JPKI client, transports, virtual card."""
