"""The kiosk terminal: transaction flow, center client, devices, journal, config and Kivy UI."""
