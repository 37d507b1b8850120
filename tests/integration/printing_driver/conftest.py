from fixtures.emulator import emulator_process, emulator_pty, emulator_tcp

__all__ = ["emulator_process", "emulator_pty", "emulator_tcp"]
