"""The kiosk's one config file (TOML), validated at start-up into frozen dataclasses.

``load_config(path)`` reads the file, rejects unknown keys, checks every type and names the key path
in every error (``printer.transport.baud: expected integer``), in the manner of pyHanko's
``ConfigurableMixin`` (docs/style.md §2.7).  Nothing else in the kiosk reads files or the environment
for settings: the config object is passed in.  Relative paths are relative to the config file.
docs/kiosk-flow.md "Config reference" lists every key; ``kiosk/examples/kiosk.toml`` is a complete
example (a test loads it).

``python -m kiosk.config FILE`` checks a file and prints a summary (exit 1 with the error otherwise).
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

from contracts.center import MAX_COPIES
from kiosk.errors import KioskError
from kiosk.flow.settings import FlowSettings, Timeouts
from kiosk.flow.staff import parse_pin_hash

__all__ = [
    "CardConfig",
    "CenterConfig",
    "ConfigError",
    "FileLinkConfig",
    "HealthConfig",
    "IppLinkConfig",
    "KioskConfig",
    "KioskIdentity",
    "PathsConfig",
    "PaymentConfig",
    "PrinterConfig",
    "SerialLinkConfig",
    "StaffConfig",
    "TcpLinkConfig",
    "UiConfig",
    "UsbLinkConfig",
    "VoiceConfig",
    "load_config",
    "parse_config",
]

MAX_CONFIG_BYTES = 256 * 1024


class ConfigError(KioskError, ValueError):
    """The config file is missing, unreadable, or has a wrong, missing or unknown key (named)."""

    code = "config_invalid"


@dataclass(frozen=True)
class KioskIdentity:
    id: str  # the CN of the kiosk's client certificate
    store_name: str
    terminal: int = 1
    store_code: str = "000000"  # 店舗番号 on the receipt (printer.receipt.ReceiptData.store_code)

    def __post_init__(self) -> None:
        if not (1 <= len(self.store_code) <= 16 and self.store_code.isascii() and self.store_code.isalnum()):
            raise ValueError("store_code: expected 1..16 ASCII letters or digits")


@dataclass(frozen=True)
class CenterConfig:
    """Where the center is and how to prove who we are (mutual TLS, docs/architecture.md "Center API v1").

    Either ``ca``/``cert``/``key`` are given, or ``data_dir`` (a ``server_stub init`` directory), from
    which ``tls/ca.pem`` and this kiosk's entry of ``kiosks/index.json`` are taken.
    """

    url: str
    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    data_dir: Path | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    retries: int = 2  # extra attempts, idempotent requests only

    def __post_init__(self) -> None:
        if not self.url.startswith("https://"):
            raise ValueError("url: must start with https://")
        explicit = (self.ca, self.cert, self.key)
        if self.data_dir is None and None in explicit:
            raise ValueError("give ca, cert and key, or data_dir")
        if self.retries < 0 or self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ValueError("timeouts must be > 0 and retries >= 0")


@dataclass(frozen=True)
class CardConfig:
    reader: str = ""  # substring of the PC/SC reader name; "" = the first reader


@dataclass(frozen=True)
class TcpLinkConfig:
    type: Literal["tcp"]
    host: str
    port: int = 9100

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError("port: must be 1..65535")


@dataclass(frozen=True)
class SerialLinkConfig:
    type: Literal["serial"]
    path: Path  # /dev/ttyUSB0, or the emulator's pty link (relative: to the config file)
    baud: int = 115200
    flow: Literal["xonxoff", "rtscts", "none"] = "xonxoff"  # docs/printing-driver.md "Flow control"

    def __post_init__(self) -> None:
        if self.baud not in (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600):
            raise ValueError("baud: not a standard rate")


@dataclass(frozen=True)
class UsbLinkConfig:
    """A USB printer: the usblp node (``path``), or a device by ``device = "VID:PID"`` through libusb."""

    type: Literal["usb"]
    path: Path | None = None  # /dev/usb/lp0
    device: str = ""  # "04b8:0e28"

    def __post_init__(self) -> None:
        from printer.transport.usb import parse_vid_pid

        if (self.path is None) == (not self.device):
            raise ValueError("give exactly one of path (/dev/usb/lpN) or device (VID:PID)")
        if self.device and parse_vid_pid(self.device) is None:
            raise ValueError("device: expected VID:PID in hex, e.g. 04b8:0e28")


@dataclass(frozen=True)
class IppLinkConfig:
    """A page printer over IPP (profile kind ``page``); ``duplex`` prints the certificate's back side."""

    type: Literal["ipp"]
    uri: str  # ipp://host[:port]/ipp/print
    duplex: bool = False

    def __post_init__(self) -> None:
        if not self.uri.startswith(("ipp://", "ipps://")):
            raise ValueError("uri: expected ipp://host[:port]/path or ipps://…")


@dataclass(frozen=True)
class FileLinkConfig:
    type: Literal["file"]
    path: Path


PrinterConnection = TcpLinkConfig | SerialLinkConfig | UsbLinkConfig | IppLinkConfig | FileLinkConfig


@dataclass(frozen=True)
class PrinterConfig:
    profile: str  # a name of printer.profiles.PROFILES
    transport: PrinterConnection

    def __post_init__(self) -> None:
        from printer.profiles import PROFILES  # the profile names are a contract of docs/architecture.md

        if self.profile not in PROFILES:
            raise ValueError(f"profile: unknown printer profile {self.profile!r} "
                             f"(known: {', '.join(sorted(PROFILES))})")
        if isinstance(self.transport, IppLinkConfig) and PROFILES[self.profile].kind != "page":
            raise ValueError(f"transport: ipp is for page printers, not the ESC/POS {self.profile}")


@dataclass(frozen=True)
class PaymentConfig:
    device: Literal["simulated"] = "simulated"
    # Japanese coins and notes the acceptor takes (the ¥2000 note is rare in machines).
    accepts: tuple[int, ...] = (10, 50, 100, 500, 1000)
    change_stock: Mapping[str, int] = field(
        default_factory=lambda: {"10": 50, "50": 20, "100": 50, "500": 20})

    def __post_init__(self) -> None:
        valid = {1, 5, 10, 50, 100, 500, 1000, 2000, 5000, 10000}
        if not self.accepts or not set(self.accepts) <= valid:
            raise ValueError("accepts: yen denominations (1, 5, 10, 50, 100, 500, 1000, 2000, 5000, 10000)")
        for k, n in self.change_stock.items():
            if not k.isdigit() or int(k) not in valid or n < 0:
                raise ValueError(f"change_stock.{k}: a denomination with a count >= 0")


@dataclass(frozen=True)
class StaffConfig:
    pin_hash: str  # "pbkdf2_sha256$iterations$salt_b64$hash_b64" or "scrypt$n$r$p$salt_b64$hash_b64"
    max_attempts: int = 5
    lockout_seconds: float = 300.0

    def __post_init__(self) -> None:
        parse_pin_hash(self.pin_hash)  # raises ValueError naming what is wrong
        if self.max_attempts < 1 or self.lockout_seconds <= 0:
            raise ValueError("max_attempts must be >= 1 and lockout_seconds > 0")


@dataclass(frozen=True)
class UiConfig:
    resolution: tuple[int, ...] = (1280, 1024)
    fullscreen: bool = True
    high_contrast: bool = False
    shuffle_keypad: bool = False  # against shoulder surfing of the PIN
    languages: tuple[str, ...] = ("ja", "en")
    font_scale: float = 1.0
    screen_mm: tuple[float, ...] = ()  # the panel's visible [width, height] in mm: sizes touch targets

    def __post_init__(self) -> None:
        if len(self.resolution) != 2 or min(self.resolution) < 320:
            raise ValueError("resolution: [width, height], each >= 320")
        if self.screen_mm and (len(self.screen_mm) != 2 or min(self.screen_mm) < 50):
            raise ValueError("screen_mm: [width, height] in millimetres, each >= 50")
        if not self.languages:
            raise ValueError("languages: at least one")


@dataclass(frozen=True)
class VoiceConfig:
    """Spoken guidance (docs/kiosk-flow.md config reference; clips by ``python -m kiosk.voice``)."""

    enabled: bool = True
    volume: float = 0.8  # 0..1, applied when playing (not part of a clip)
    rate: float = 1.0  # speaking rate, 1.0 = the engine's normal; part of each clip's name
    clips: Path = Path("var/voice")  # where the rendered clips are cached
    repeat_seconds: float = 10.0  # take-card / take-documents prompt repeated this often
    fees: tuple[int, ...] = (200, 300, 450)  # yen per copy: sentences with these amounts are rendered ahead
    cache_mb: float = 300.0  # disk budget of the clip cache; money sentences beyond it are rendered on need

    def __post_init__(self) -> None:
        if not 0.0 <= self.volume <= 1.0:
            raise ValueError("volume: 0.0..1.0")
        if not 0.5 <= self.rate <= 2.0:
            raise ValueError("rate: 0.5..2.0")
        if self.repeat_seconds < 3.0:
            raise ValueError("repeat_seconds: at least 3 (a prompt must finish before it repeats)")
        if any(f <= 0 for f in self.fees) or self.cache_mb <= 0:
            raise ValueError("fees: yen per copy (> 0); cache_mb: > 0")


@dataclass(frozen=True)
class PathsConfig:
    journal: Path
    logs: Path


@dataclass(frozen=True)
class FlowConfig:
    max_copies: int = MAX_COPIES

    def __post_init__(self) -> None:
        if not 1 <= self.max_copies <= MAX_COPIES:  # more than the center issues would be refused
            raise ValueError(f"max_copies: 1..{MAX_COPIES}")


@dataclass(frozen=True)
class HealthConfig:
    """Health reports to the center (kiosk.runtime.health_report) and the local metrics port."""

    report_seconds: float = 30.0  # between reports when nothing changes; changes are reported at once
    metrics_port: int = 0  # Prometheus metrics on 127.0.0.1:<port>; 0 = off
    version: str = ""  # reported software version; "" = the installed package's

    def __post_init__(self) -> None:
        if not 1.0 <= self.report_seconds <= 3600.0:
            raise ValueError("report_seconds: 1..3600")
        if not 0 <= self.metrics_port < 65536:
            raise ValueError("metrics_port: 0 (off) or 1..65535")


@dataclass(frozen=True)
class KioskConfig:
    kiosk: KioskIdentity
    center: CenterConfig
    printer: PrinterConfig
    staff: StaffConfig
    paths: PathsConfig
    card: CardConfig = field(default_factory=CardConfig)
    receipt: PrinterConfig | None = None
    payment: PaymentConfig = field(default_factory=PaymentConfig)
    timeouts: Timeouts = field(default_factory=Timeouts)
    flow: FlowConfig = field(default_factory=FlowConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    health: HealthConfig = field(default_factory=HealthConfig)

    def flow_settings(self) -> FlowSettings:
        """What the pure flow needs from this config."""
        return FlowSettings(languages=self.ui.languages, max_copies=self.flow.max_copies,
                            timeouts=self.timeouts)

    def center_tls(self) -> tuple[Path, Path, Path]:
        """``(ca, cert, key)``, from explicit paths or from the center's data dir.

        :raises ConfigError: the data dir has no entry for this kiosk id, or a file is missing.
        """
        c = self.center
        if c.ca is not None and c.cert is not None and c.key is not None:
            paths = (c.ca, c.cert, c.key)
        else:
            assert c.data_dir is not None  # CenterConfig.__post_init__
            paths = _from_data_dir(c.data_dir, self.kiosk.id)
        for p in paths:
            if not p.is_file():
                raise ConfigError(f"center: file not found: {p}")
        return paths


def _from_data_dir(data_dir: Path, kiosk_id: str) -> tuple[Path, Path, Path]:
    index = data_dir / "kiosks" / "index.json"
    try:
        entries = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ConfigError(f"center.data_dir: cannot read {index}: {e}") from e
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("kiosk_id") == kiosk_id:
            return data_dir / "tls" / "ca.pem", data_dir / str(entry["cert"]), data_dir / str(entry["key"])
    raise ConfigError(f"center.data_dir: no kiosk {kiosk_id!r} in {index}")


# --- the validator ------------------------------------------------------------------------------------

_TYPE_NAMES = {bool: "boolean", int: "integer", float: "number", str: "string", Path: "path (string)"}


def _fail(path: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {message}")


def _scalar(value: Any, tp: type, path: str, base: Path) -> Any:
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise _fail(path, f"expected {_TYPE_NAMES[tp]}")
    if tp is float:
        return float(value)
    if tp is Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else base / p
    return value


def _union(value: Any, options: tuple[Any, ...], path: str, base: Path) -> Any:
    if value is None and type(None) in options:
        return None
    rest = [o for o in options if o is not type(None)]
    if len(rest) == 1:
        return _convert(value, rest[0], path, base)
    # A tagged union of dataclasses: the "type" key chooses (printer.transport.type = "tcp").
    tags = {typing.get_args(typing.get_type_hints(o)["type"])[0]: o for o in rest}
    if not isinstance(value, Mapping):
        raise _fail(path, "expected a table")
    tag = value.get("type")
    if tag not in tags:
        raise _fail(f"{path}.type", f"expected one of {', '.join(repr(t) for t in tags)}")
    return _convert(value, tags[tag], path, base)


def _convert(value: Any, tp: Any, path: str, base: Path) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, path, base)  # type: ignore[arg-type]
    if origin in (Union, types.UnionType):
        return _union(value, typing.get_args(tp), path, base)
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            raise _fail(path, f"expected one of {', '.join(repr(a) for a in allowed)}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise _fail(path, "expected a list")
        item = typing.get_args(tp)[0]
        return tuple(_convert(v, item, f"{path}[{i}]", base) for i, v in enumerate(value))
    if origin is Mapping:
        if not isinstance(value, Mapping):
            raise _fail(path, "expected a table")
        _, vt = typing.get_args(tp)
        return {str(k): _convert(v, vt, f"{path}.{k}", base) for k, v in value.items()}
    return _scalar(value, tp, path, base)


def _build(cls: type, raw: Any, path: str, base: Path) -> Any:
    if not isinstance(raw, Mapping):
        raise _fail(path or "config", "expected a table")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    prefix = f"{path}." if path else ""
    for key in raw:
        if key not in names:
            raise _fail(f"{prefix}{key}", "unknown key")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in raw:
            kwargs[f.name] = _convert(raw[f.name], hints[f.name], f"{prefix}{f.name}", base)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _fail(f"{prefix}{f.name}", "missing")
    try:
        return cls(**kwargs)
    except ValueError as e:
        # __post_init__ checks start with the key they are about: make it the full key path.
        msg = str(e)
        head = msg.split(":", 1)[0].split(".", 1)[0]
        if head in names:
            raise ConfigError(f"{prefix}{msg}") from e
        raise _fail(path or "config", msg) from e


def parse_config(raw: Mapping[str, Any], base: Path) -> KioskConfig:
    """Validate an already-parsed TOML/JSON mapping.  Relative paths are resolved against ``base``.

    :raises ConfigError: naming the key path of the first problem.
    """
    cfg = _build(KioskConfig, raw, "", base)
    assert isinstance(cfg, KioskConfig)
    return cfg


def load_config(path: str | Path) -> KioskConfig:
    """Read and validate the kiosk config (``.toml``, or ``.json`` with the same structure).

    :raises ConfigError: the file is missing, too large, not TOML/JSON, or invalid (key path named).
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read config {p}: {e.strerror}") from e
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config {p}: larger than {MAX_CONFIG_BYTES} bytes")
    try:
        text = data.decode("utf-8")
        raw = json.loads(text) if p.suffix == ".json" else tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"config {p}: not valid {'JSON' if p.suffix == '.json' else 'TOML'}: {e}") from e
    return parse_config(raw, p.resolve().parent)


def main(argv: list[str] | None = None) -> int:
    """``python -m kiosk.config FILE``: 0 and a summary when valid, 1 and the error otherwise."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m kiosk.config FILE\n")
        return 2
    try:
        cfg = load_config(args[0])
    except ConfigError as e:
        sys.stderr.write(f"invalid: {e}\n")
        return 1
    sys.stdout.write(f"ok: kiosk {cfg.kiosk.id} ({cfg.kiosk.store_name}), center {cfg.center.url}, "
                     f"printer {cfg.printer.profile} over {cfg.printer.transport.type}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
