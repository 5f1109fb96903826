"""booth.toml as validated pydantic models: unknown keys are refused, every field is documented and bounded."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from booth.errors import ConfigError

Profile = Literal["vertical", "landscape", "square"]
PROFILE_NAMES: tuple[str, ...] = ("vertical", "landscape", "square")
X264Preset = Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BoothSection(Section):
    id: Identifier = Field("booth-01", description="This booth's name, unique within the event; letters, digits, . _ -")
    event: Identifier = Field("demo-event", description="The event's identifier, used in clip metadata and topics.")
    data_dir: Path = Field(
        Path("booth-data"),
        description="Where the booth keeps shots, clips, calibrations, its database and logs; relative to the"
        " folder of booth.toml.",
    )


class SimSection(Section):
    seed: int = Field(1, ge=0, le=2**31 - 1, description="Seed of the rig's imperfections and sensor noise.")
    radius_m: float = Field(3.0, ge=1.0, le=10.0, description="Radius of the camera arc, metres.")
    span_deg: float = Field(180.0, ge=20.0, le=360.0, description="Angle the arc covers, degrees; 360 is a ring.")
    camera_height_m: float = Field(1.3, ge=0.3, le=2.5, description="Height of the lenses above the floor, metres.")
    aim_height_m: float = Field(1.0, ge=0.0, le=2.5, description="Height on the axis every camera aims at, metres.")
    width: int = Field(3000, ge=640, le=6000, description="Frame width in pixels.")
    height: int = Field(2000, ge=480, le=4000, description="Frame height in pixels.")
    vertical_fov_deg: float = Field(44.0, ge=15.0, le=90.0, description="Vertical field of view of the lenses.")
    jpeg_quality: int = Field(92, ge=50, le=100, description="JPEG quality the virtual cameras write.")
    look: Literal["studio", "event", "heldout"] = Field(
        "studio",
        description="What the cameras see: 'studio' (procedural textures, even light, a grey sleeve on the target), "
        "'event' (packaged photos on the backdrop and clothes, a key light, ISO 800 noise, a held stick, no grey "
        "sleeve) or 'heldout' (the same from other photos, ISO 1600: for measuring what was tuned on 'event').",
    )


class TriggerSection(Section):
    port: str | None = Field(None, description="Serial port of the trigger box, e.g. /dev/ttyACM0.")
    pulse_ms: float = Field(100.0, gt=0.0, le=5000.0, description="How long each shutter line is held, ms.")
    focus_lead_ms: float = Field(
        50.0,
        ge=0.0,
        le=5000.0,
        description="Least time between pressing focus (arm) and the first shutter edge, ms; cameras need it to wake.",
    )
    flash_delay_us: int = Field(0, ge=0, le=1_000_000, description="Flash output edge after the fire time, us.")
    flash_pulse_ms: float = Field(
        0.0, ge=0.0, le=5000.0, description="How long the flash output is held, ms; 0: no flash."
    )
    max_assert_ms: int = Field(500, ge=1, le=5000, description="The box never holds any output longer than this.")
    delays_us: list[Annotated[int, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=list,
        max_length=24,
        description="Per-channel shutter delay after the fire time, us, in"
        " channel order (shutter-lag compensation or time-slice effects); channels not listed fire at 0.",
    )

    @model_validator(mode="after")
    def _within_max(self) -> TriggerSection:
        for name in ("pulse_ms", "flash_pulse_ms"):
            if getattr(self, name) > self.max_assert_ms:
                raise ValueError(f"{name} ({getattr(self, name)}) is longer than max_assert_ms ({self.max_assert_ms})")
        # focus stays pressed from arm through the lead and the pulse: past max_assert the box refuses the fire
        if self.focus_lead_ms + self.pulse_ms > self.max_assert_ms:
            raise ValueError(
                f"focus_lead_ms + pulse_ms ({self.focus_lead_ms + self.pulse_ms:g}) is longer than max_assert_ms "
                f"({self.max_assert_ms}); the box would refuse every fire"
            )
        return self


SettingValue = Annotated[str, Field(min_length=1, max_length=64)]


class CameraProfile(Section):
    """One capture profile: every setting in the camera's own words, as 'booth rig cameras settings' lists them."""

    iso: SettingValue | None = Field(None, description='ISO, e.g. "400".')
    shutter: SettingValue | None = Field(None, description='Shutter speed, e.g. "1/250" (Canon, Nikon) or "0.0040s".')
    aperture: SettingValue | None = Field(None, description='Aperture, e.g. "f/8" (Nikon, Sony) or "8" (Canon).')
    white_balance: SettingValue | None = Field(None, description='White balance, e.g. "Daylight"; never Auto in a rig.')
    image_quality: SettingValue | None = Field(
        None, description='JPEG quality as the camera names it, e.g. "JPEG Fine".'
    )
    image_size: SettingValue | None = Field(None, description='JPEG size, e.g. "Large" or "6000x4000".')
    focus_mode: SettingValue | None = Field(None, description='Focus mode; manual, so that no camera hunts: "Manual".')
    capture_target: SettingValue | None = Field(
        None, description='Where the camera keeps the picture; "Internal RAM" downloads fastest.'
    )
    drive_mode: SettingValue | None = Field(None, description='Drive mode; one frame per fire: "Single".')
    extra: dict[str, SettingValue] = Field(
        default_factory=dict, description='Further settings by libgphoto2 widget name, e.g. { autofocus = "Off" }.'
    )


class GPhotoSection(Section):
    serials: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        max_length=48,
        description="Serial number of the camera at each place on the arc, from one end: the first is cam 00."
        " 'booth rig cameras list' shows them.",
    )
    profile: Identifier | None = Field(None, description="Name of the profile under profiles applied at start.")
    profiles: dict[Identifier, CameraProfile] = Field(
        default_factory=dict, description="Capture profiles by name; 'booth rig cameras settings --apply NAME'."
    )
    deadline_s: float = Field(
        5.0,
        gt=0.0,
        le=60.0,
        description="How long after the fire each camera has to deliver; a late camera is left out.",
    )
    start_timeout_s: float = Field(15.0, gt=0.0, le=120.0, description="How long one camera may take to open.")
    reconnect_every_s: float = Field(
        2.0, ge=0.5, le=60.0, description="How often the booth looks for a camera that dropped off USB."
    )
    live_view_camera: int | None = Field(
        None, ge=0, le=47, description="Rig position whose live view the countdown shows; default: the middle camera."
    )
    restore_settings: bool = Field(True, description="Put back every camera setting the booth changed when it stops.")
    virtual_dir: Path | None = Field(
        None,
        description="Run on libgphoto2's virtual cameras in this folder instead of USB (demos and tests); made by"
        " 'booth rig cameras virtual'.",
    )
    virtual_edges: Path | None = Field(
        None, description="The simulated trigger box's pin log ('booth rig trigger sim --edges'), which fires them."
    )

    @model_validator(mode="after")
    def _consistent(self) -> GPhotoSection:
        seen: set[str] = set()
        for serial in self.serials:
            if serial in seen:
                raise ValueError(f"serials: {serial!r} is listed twice; each camera has its own serial")
            seen.add(serial)
        if self.profile is not None and self.profile not in self.profiles:
            names = ", ".join(sorted(self.profiles)) or "none"
            raise ValueError(f"profile: {self.profile!r} is not under profiles (there are: {names})")
        if self.virtual_edges is not None and self.virtual_dir is None:
            raise ValueError("virtual_edges needs virtual_dir: only virtual cameras are fired from a pin log")
        return self


class RigSection(Section):
    kind: Literal["sim", "gphoto2"] = Field(
        "sim", description="Which rig drives the booth: 'sim' is the simulated rig, 'gphoto2' the tethered cameras."
    )
    id: Identifier = Field("rig-01", description="Name of the physical rig set-up; calibrations are tied to it.")
    cameras: int = Field(24, ge=8, le=48, description="Number of cameras on the arc.")
    min_cameras: int | None = Field(
        None, ge=2, le=48, description="Fewest usable frames that still make a clip; default: half the rig."
    )
    collect_timeout_s: float = Field(
        30.0,
        gt=0.0,
        le=600.0,
        description="How long after the fire the simulated rig's frames may take (it renders them);"
        " the cameras have rig.gphoto2.deadline_s.",
    )
    sim: SimSection = Field(default_factory=SimSection, description="The simulated rig.")
    trigger: TriggerSection = Field(default_factory=TriggerSection, description="The trigger box.")
    gphoto2: GPhotoSection = Field(
        default_factory=GPhotoSection, description="The tethered cameras (kind = 'gphoto2')."
    )

    @model_validator(mode="after")
    def _min_within_rig(self) -> RigSection:
        if self.min_cameras is not None and self.min_cameras > self.cameras:
            raise ValueError(f"min_cameras ({self.min_cameras}) is more than the rig's {self.cameras} cameras")
        serials = len(self.gphoto2.serials)
        if self.kind == "gphoto2" and serials != self.cameras:
            raise ValueError(
                f"kind is gphoto2 with cameras = {self.cameras} but gphoto2.serials lists {serials}; list one serial"
                " per camera, in order along the arc"
            )
        live = self.gphoto2.live_view_camera
        if live is not None and live >= self.cameras:
            raise ValueError(
                f"gphoto2.live_view_camera ({live}) is not on a rig of {self.cameras} cameras (0 to {self.cameras - 1})"
            )
        return self

    def profile(self, name: str | None = None) -> CameraProfile | None:
        """The named capture profile, or the one booth.toml applies at start; None when there is none."""
        name = name if name is not None else self.gphoto2.profile
        return None if name is None else self.gphoto2.profiles.get(name)

    def minimum_usable(self, cameras: int | None = None) -> int:
        n = cameras if cameras is not None else self.cameras
        return self.min_cameras if self.min_cameras is not None else max(2, (n + 1) // 2)


class TargetSection(Section):
    bottom_m: float = Field(0.5, gt=0.0, le=2.5, description="Height of the bottom marker ball's centre, metres.")
    top_m: float = Field(1.5, gt=0.0, le=3.0, description="Height of the top marker ball's centre, metres.")
    patch_bottom_m: float = Field(0.9, gt=0.0, le=3.0, description="Bottom edge of the neutral grey sleeve, metres.")
    patch_top_m: float = Field(1.1, gt=0.0, le=3.0, description="Top edge of the neutral grey sleeve, metres.")
    marker_radius_m: float = Field(0.04, gt=0.005, le=0.25, description="Radius of each marker ball, metres.")
    marker_hue_deg: float = Field(305.0, ge=0.0, lt=360.0, description="Hue of the marker balls (magenta: 305).")
    hue_tolerance_deg: float = Field(30.0, gt=0.0, le=90.0, description="How far a marker's hue may stray.")

    @model_validator(mode="after")
    def _ordered(self) -> TargetSection:
        if not self.bottom_m < self.patch_bottom_m < self.patch_top_m < self.top_m:
            raise ValueError("the target must read, from the floor up: bottom_m < patch_bottom_m < patch_top_m < top_m")
        return self


class CalibrationSection(Section):
    file: Path | None = Field(None, description="calibration.json to stitch with; relative to booth.toml's folder.")
    target: TargetSection = Field(default_factory=TargetSection, description="The calibration target's geometry.")


class StitchSection(Section):
    profile: Profile = Field(
        "vertical", description="Output frame: vertical 1080x1920, landscape 1920x1080, square 1080x1080."
    )
    fps: int = Field(30, ge=24, le=60, description="Frames per second of the clip.")
    orbit_s: float = Field(1.25, ge=0.3, le=10.0, description="Seconds one sweep across the arc takes.")
    hold_s: float = Field(0.5, ge=0.0, le=5.0, description="Seconds the clip rests at the far end of the sweep.")
    min_duration_s: float = Field(3.0, ge=3.0, le=30.0, description="The orbit is slowed down to last at least this.")
    interpolation: Literal["layers", "flow", "hold", "crossfade"] = Field(
        "layers",
        description="Between camera views: 'layers' synthesises in-between views from stereo near the pivot and "
        "the room's sweep behind it (holds on rigs of 8 to 16 cameras), 'flow' from free optical flow (rigs of "
        "24 and more), 'hold' shows the nearest camera, 'crossfade' blends neighbours.",
    )
    interpolation_factor: Literal[2, 4] = Field(
        2,
        description="With layers or flow: steps per gap between cameras (2: one view synthesised in each gap, 4: "
        "three).",
    )
    colour_per_shot: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Match every camera's colour to its neighbours' again in each shot, from what they see at the "
        "pivot, on top of the calibration's colour: 'auto' does it on rigs of up to 16 cameras, where it measures "
        "best and costs a few tenths of a second; 'on' always; 'off' never.",
    )
    zoom: float = Field(
        1.0, ge=1.0, le=3.0, description="Tighter crop around the pivot; 1.0 is the widest frame every camera covers."
    )
    overlay: Path | None = Field(None, description="PNG with transparency drawn over every frame (brand overlay).")
    end_card: Path | None = Field(None, description="Image shown after the orbit (PNG or JPEG), fitted to the frame.")
    end_card_s: float = Field(1.5, ge=0.5, le=10.0, description="Seconds the end card is shown.")
    crf: int = Field(22, ge=10, le=35, description="x264 constant rate factor: lower is better and bigger.")
    preset: X264Preset = Field(
        "superfast",
        description="x264 speed preset. The default and its CRF were chosen by bench/encoder_presets.py: the "
        "fastest within 0.5 dB of veryfast at CRF 20, under the bitrate cap.",
    )
    max_bitrate_mbps: float = Field(12.0, ge=1.0, le=50.0, description="Peak bitrate cap, Mbit/s.")
    preview_format: Literal["webp", "gif"] = Field("webp", description="Animated preview format.")
    preview_width: int = Field(360, ge=120, le=720, description="Width of the animated preview, pixels.")
    poster_quality: int = Field(90, ge=50, le=100, description="JPEG quality of the poster image.")


class ConsentSection(Section):
    texts_dir: Path | None = Field(
        None,
        description="Folder of the event's consent texts (en.toml, fr.toml, ...); relative to booth.toml's folder."
        " Default: the built-in example texts, which name a made-up controller and brand.",
    )
    age_threshold: int = Field(
        15,
        ge=13,
        le=18,
        description="Below this age a guardian consents for the participant (15 in France, 16 in Germany).",
    )
    token_days: float = Field(7.0, gt=0.0, le=90.0, description="Days a clip's phone page stays open.")
    keep_unconsented_hours: float | None = Field(
        None,
        gt=0.0,
        le=168.0,
        description="Hours a clip nobody consented to is kept; default: until the end of the day it was shot.",
    )


class WebSection(Section):
    host: str = Field("0.0.0.0", description="Address the participants' page listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Port the participants' page listens on.")
    public_url: str | None = Field(
        None,
        pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$",
        description="The address phones open, as the QR code gives it, e.g. http://10.0.0.2:8080; default:"
        " http://HOST:PORT.",
    )
    wifi_name: str | None = Field(None, max_length=64, description="The event Wi-Fi the page tells phones to join.")
    wifi_password: str | None = Field(None, max_length=64, description="Its password, shown beside its name.")
    attempts_per_minute: int = Field(
        30, ge=1, le=1000, description="Page requests one address may make a minute before it is made to wait."
    )
    header_timeout_s: float = Field(
        10.0, gt=0.0, le=120.0, description="Seconds a connection may take to send a request's headers."
    )
    idle_timeout_s: float = Field(
        5.0, gt=0.0, le=120.0, description="Seconds a connection is kept open, idle, after a response."
    )
    max_connections: int = Field(
        512, ge=8, le=10000, description="Connections open at once, all phones together; more are closed at once."
    )
    max_connections_per_address: int = Field(
        32, ge=2, le=1000, description="Connections open at once from one address; more are closed at once."
    )
    tls_cert: Path | None = Field(
        None,
        description="Certificate (PEM, with its chain) to serve the page over HTTPS; relative to booth.toml. See"
        " docs/consent.md for making one for an event network.",
    )
    tls_key: Path | None = Field(None, description="The certificate's private key (PEM); relative to booth.toml.")
    screen_code: bool = Field(
        True,
        description="Ask for the 6-digit code shown on the booth's screen beside the QR code before a choice made"
        " on the phone is recorded: seeing a link is not enough to decide for someone.",
    )

    @model_validator(mode="after")
    def _tls_pair(self) -> WebSection:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key: give both, or neither")
        return self


class BrokerSection(Section):
    """How to reach an MQTT broker: shared by the booth's delivery and the agency's collector."""

    url: str | None = Field(
        None,
        pattern=r"^mqtts?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$",
        description="The agency's broker, mqtt://host:1883 or mqtts://host:8883 (TLS); none: nothing is sent.",
    )
    ca_file: Path | None = Field(
        None, description="CA certificate that signed the broker's (mqtts); default: the system's."
    )
    client_cert: Path | None = Field(None, description="Client certificate, where the broker asks for one.")
    client_key: Path | None = Field(None, description="The client certificate's private key.")
    username: str | None = Field(None, max_length=128, description="User name on the broker.")
    password_file: Path | None = Field(
        None, description="File holding the password (kept out of booth.toml, which is often shared)."
    )
    keepalive_s: int = Field(30, ge=5, le=600, description="MQTT keep-alive, seconds: how soon a lost link is noticed.")

    @model_validator(mode="after")
    def _pairs(self) -> BrokerSection:
        if (self.client_cert is None) != (self.client_key is None):
            raise ValueError("client_cert and client_key go together")
        if self.password_file is not None and self.username is None:
            raise ValueError("password_file needs username")
        return self


class DeliverySection(BrokerSection):
    chunk_kib: int = Field(
        256, ge=16, le=1000, description="Size of each chunk of a file, KiB (under 1 MB: EMQX's limit)."
    )
    retry_min_s: float = Field(1.0, ge=0.1, le=60.0, description="First wait after a failed connection, seconds.")
    retry_max_s: float = Field(60.0, ge=1.0, le=3600.0, description="Longest wait between connection attempts.")
    reply_timeout_s: float = Field(
        20.0, ge=1.0, le=600.0, description="How long the booth waits for a collector's reply before asking again."
    )


class TaggingSection(Section):
    kit: Path | None = Field(
        None,
        description="Brand kit folder (one sub-folder per brand: PNG logos and brand.toml); none: clips are not "
        "tagged. Relative to booth.toml's folder.",
    )
    accelerator: Literal["auto", "tensorrt", "cuda", "cpu"] = Field(
        "auto", description="Where the logo models run: auto takes TensorRT, then CUDA, then the CPU."
    )
    detector: Path | None = Field(None, description="Logo detector ONNX file (default: the one shipped).")
    embedder: Path | None = Field(None, description="Logo embedder ONNX file (default: the one shipped).")
    prepare_minutes: float = Field(
        3.0,
        ge=0.1,
        le=30.0,
        description="Minutes a kiosk spends learning a kit not prepared for these models (10 s at least), on a"
        " thread below its screen; shots are tagged with the shared models until it is done.",
    )


class KioskSection(Section):
    retakes: int = Field(2, ge=0, le=5, description="Shots a participant may throw away and take again.")
    countdown_s: int = Field(3, ge=1, le=10, description="Seconds counted down on screen before the cameras fire.")
    idle_s: float = Field(
        45.0, ge=5.0, le=600.0, description="With no touch for this long, the posing and review screens go back."
    )
    consent_s: float = Field(
        120.0, ge=10.0, le=900.0, description="With no touch for this long, the consent screen goes back."
    )
    share_s: float = Field(60.0, ge=5.0, le=600.0, description="How long the QR code stays up without a touch.")
    message_s: float = Field(8.0, ge=2.0, le=60.0, description="How long the thank-you and error screens stay up.")
    stage_s: float = Field(
        90.0, ge=10.0, le=600.0, description="A capture or stitch taking longer than this is given up, as a failure."
    )
    language: Literal["en", "fr"] = Field("en", description="The language the screens start in; a tap switches.")
    title: str = Field("", max_length=60, description="The event's name on the attract screen (default: booth.event).")
    accent: Colour = Field("#ff3d7f", description="The event's colour for buttons and highlights, #rrggbb.")
    background: Colour = Field("#101522", description="The screens' background colour, #rrggbb.")
    foreground: Colour = Field("#ffffff", description="The text colour, #rrggbb; keep it readable on the background.")
    logo: Path | None = Field(
        None, description="The event's logo (PNG or SVG) in the corner of every screen; relative to booth.toml."
    )
    demo_clip: Path | None = Field(
        None,
        description="An animated WebP or GIF looped on the attract screen while no clip anyone agreed to show is on"
        " the booth (a clip's preview.webp, shot with people who agreed); relative to booth.toml.",
    )
    staff_pin: str = Field(
        "2468", pattern=r"^[0-9]{4,8}$", description="PIN of the staff panel (4 to 8 digits); change it per event."
    )
    long_press_s: float = Field(
        2.0, ge=1.0, le=10.0, description="How long staff hold the top-left corner to open the PIN pad."
    )


class BoothConfig(Section):
    """Everything in booth.toml."""

    booth: BoothSection = Field(default_factory=BoothSection, description="Who this booth is.")
    rig: RigSection = Field(default_factory=RigSection, description="The cameras and trigger.")
    calibration: CalibrationSection = Field(default_factory=CalibrationSection, description="Alignment data.")
    stitch: StitchSection = Field(default_factory=StitchSection, description="How frames become a clip.")
    consent: ConsentSection = Field(default_factory=ConsentSection, description="Consent texts and rules.")
    web: WebSection = Field(default_factory=WebSection, description="The participants' phone page.")
    delivery: DeliverySection = Field(
        default_factory=DeliverySection, description="Sending consented clips to the agencies' broker."
    )
    tagging: TaggingSection = Field(default_factory=TaggingSection, description="Finding sponsor logos in shots.")
    kiosk: KioskSection = Field(default_factory=KioskSection, description="The participants' screens and time-outs.")

    _base_dir: Path = PrivateAttr(default=Path("."))

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else self._base_dir / path

    @property
    def data_dir(self) -> Path:
        return self.resolve(self.booth.data_dir)


def _describe(error: Any) -> str:
    loc = ".".join(str(p) for p in error["loc"]) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{loc}: unknown key; check its spelling against docs/booth.example.toml"
    message = str(error["msg"])
    if kind == "missing":
        return f"{loc}: required"
    if kind.startswith("value_error"):
        message = message.removeprefix("Value error, ")
        return f"{loc}: {message}" if error["loc"] else message
    shown = repr(error["input"])
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return f"{loc}: {message[0].lower()}{message[1:]} (got {shown})"


def first_problem(exc: ValidationError) -> str:
    """The first validation problem as 'key.path: message', for one-line errors about any JSON or TOML file."""
    return _describe(exc.errors()[0])


def config_problems(data: dict[str, Any]) -> list[str]:
    """What is wrong with a parsed booth.toml, one line per problem, each naming its key."""
    try:
        BoothConfig.model_validate(data)
    except ValidationError as exc:
        return [_describe(e) for e in exc.errors()]
    return []


def missing_files(config: BoothConfig, keys: tuple[str, ...] | None = None) -> list[str]:
    """The files and folders booth.toml names that are not there, one line each naming its key (all of them, or
    those of `keys`)."""
    named = {
        "kiosk.logo": (config.kiosk.logo, False),
        "kiosk.demo_clip": (config.kiosk.demo_clip, False),
        "tagging.kit": (config.tagging.kit, True),
        "consent.texts_dir": (config.consent.texts_dir, True),
        "web.tls_cert": (config.web.tls_cert, False),
        "web.tls_key": (config.web.tls_key, False),
    }
    problems = []
    for key, (path, folder) in named.items():
        if path is None or (keys is not None and key not in keys):
            continue
        where = config.resolve(path)
        if not (where.is_dir() if folder else where.is_file()):
            kind = "folder" if folder else "file"
            problems.append(f"{key}: {where}: no such {kind}; fix the path (relative to booth.toml) or remove the key")
    return problems


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; check the path of the settings file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a booth.toml file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file; booth.toml must be UTF-8 TOML") from None


def load_config(path: Path | None) -> BoothConfig:
    """booth.toml from path, or the defaults when no file is given. Raises ConfigError naming the first bad key."""
    if path is None:
        return BoothConfig()
    data = read_toml(path)
    problems = config_problems(data)
    if problems:
        more = f" (and {len(problems) - 1} more: run 'booth config check {path}')" if len(problems) > 1 else ""
        raise ConfigError(f"{path}: {problems[0]}{more}")
    config = BoothConfig.model_validate(data)
    config._base_dir = path.parent
    return config
