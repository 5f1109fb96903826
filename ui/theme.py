"""The event's look: colours and logo from booth.toml's [kiosk], sizes from the screen, as one Qt style sheet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from booth.config import BoothConfig


def _luma(colour: str) -> float:
    r, g, b = _channels(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def luminance(colour: str) -> float:
    """WCAG's relative luminance of a #rrggbb colour (sRGB made linear)."""
    r, g, b = ((c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _channels(colour: str) -> tuple[float, float, float]:
    r, g, b = (int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5))
    return r, g, b


def contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two colours, 1 to 21 (AA asks 4.5 for text, 3 for large text)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True)
class Theme:
    accent: str = "#ff3d7f"
    background: str = "#101522"
    foreground: str = "#ffffff"
    logo: Path | None = None

    @classmethod
    def from_config(cls, config: BoothConfig) -> Theme:
        k = config.kiosk
        logo = config.resolve(k.logo) if k.logo is not None else None
        return cls(k.accent, k.background, k.foreground, logo)

    @property
    def on_accent(self) -> str:
        """Text on the accent colour: black or white, whichever has the higher contrast (white on the default
        pink is 3.4:1, under WCAG AA's 4.5:1; black on it is 6.2:1)."""
        return max(("#000000", "#ffffff"), key=lambda text: contrast(text, self.accent))

    @property
    def panel(self) -> str:
        """A shade of the background for cards and the staff panel."""
        r, g, b = (int(self.background[k : k + 2], 16) for k in (1, 3, 5))
        lift = 28 if _luma(self.background) < 0.5 else -28
        return "#" + "".join(f"{max(0, min(255, c + lift)):02x}" for c in (r, g, b))

    @staticmethod
    def unit_for(width: int, height: int) -> int:
        """The base text size in pixels: readable from 2 m on a 1080-pixel-wide screen (45 px)."""
        return max(12, min(width, height) // 24)

    def stylesheet(self, unit: int) -> str:
        u = unit
        fg, bg, ac, on, panel = self.foreground, self.background, self.accent, self.on_accent, self.panel
        return f"""
QWidget#kiosk, QStackedWidget, QWidget[page="true"] {{ background: {bg}; color: {fg}; font-size: {u}px; }}
QLabel {{ color: {fg}; font-size: {u}px; }}
QLabel[role="title"] {{ font-size: {round(u * 1.8)}px; font-weight: 700; }}
QLabel[role="huge"] {{ font-size: {u * 7}px; font-weight: 800; color: {ac}; }}
QLabel[role="hint"] {{ font-size: {round(u * 0.75)}px; }}
QLabel[role="code"] {{ font-size: {round(u * 1.1)}px; font-weight: 700; color: {ac}; }}
QLabel[role="small"] {{ font-size: {round(u * 0.6)}px; }}
QLabel[role="problem"] {{ font-size: {round(u * 0.8)}px; color: {on}; background: #c62828; padding: {u // 4}px; }}
QLabel[role="media"] {{ background: #000000; }}
QPushButton {{ background: {ac}; color: {on}; border: none; border-radius: {u // 2}px;
    padding: {u // 3}px {u}px; min-height: {round(u * 2.4)}px; font-size: {round(u * 1.1)}px; font-weight: 700; }}
QPushButton:pressed {{ background: {fg}; color: {bg}; }}
QPushButton:disabled {{ background: {panel}; color: #888888; }}
QPushButton[role="quiet"] {{ background: transparent; color: {fg}; border: {max(2, u // 15)}px solid {fg}; }}
QPushButton[role="small"] {{ min-height: {round(u * 1.4)}px; font-size: {round(u * 0.7)}px; padding: 0 {u // 2}px; }}
QPushButton[role="choice"] {{ background: {panel}; color: {fg}; text-align: left; padding: {u // 3}px {u // 2}px;
    font-size: {round(u * 0.8)}px; font-weight: 400; min-height: {round(u * 1.8)}px; }}
QPushButton[role="choice"]:checked {{ background: {ac}; color: {on}; font-weight: 700; }}
QFrame[role="toggle"] {{ background: {panel}; border-radius: {u // 3}px; }}
QFrame[role="toggle"][on="true"] {{ background: {ac}; }}
QFrame[role="toggle"] QLabel {{ background: transparent; font-size: {round(u * 0.65)}px; }}
QFrame[role="toggle"][on="true"] QLabel {{ color: {on}; }}
QFrame[role="toggle"] QLabel[role="head"] {{ font-size: {round(u * 0.85)}px; font-weight: 700; }}
QFrame[role="toggle"] QLabel[role="goes"] {{ font-size: {round(u * 0.55)}px; font-style: italic; }}
QFrame[role="toggle"] QLabel[role="mark"] {{ font-size: {round(u * 0.55)}px; font-weight: 700; }}
QWidget#switch {{ font-size: {u}px; color: {fg}; background: transparent; }}
QFrame[role="toggle"][on="true"] QWidget#switch {{ color: {on}; }}
QLabel[role="section"] {{ font-size: {round(u * 0.75)}px; font-weight: 700; padding-top: {u // 3}px; }}
QScrollArea, QScrollArea > QWidget > QWidget {{ background: {bg}; }}
QScrollBar:vertical {{ background: {panel}; width: {max(8, u // 3)}px; border-radius: {max(4, u // 6)}px; }}
QScrollBar::handle:vertical {{ background: {fg}; min-height: {u * 2}px; border-radius: {max(4, u // 6)}px; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: none; }}
QProgressBar {{ background: {panel}; border: none; border-radius: {u // 3}px; min-height: {u}px; color: transparent; }}
QProgressBar::chunk {{ background: {ac}; border-radius: {u // 3}px; }}
"""

    def staff_stylesheet(self) -> str:
        """The staff panel: a plain, dense layout (staff stand at arm's length), in the event's colours."""
        fg, bg, ac, on, panel = self.foreground, self.background, self.accent, self.on_accent, self.panel
        return f"""
QWidget#staff, QWidget#staff QWidget {{ background: {bg}; color: {fg}; font-size: 18px; }}
QWidget#staff QPushButton {{ background: {ac}; color: {on}; border: none; border-radius: 6px; padding: 10px 18px;
    min-height: 40px; font-weight: 700; }}
QWidget#staff QPushButton:disabled {{ background: {panel}; color: #888888; }}
QWidget#staff QTabBar::tab {{ background: {panel}; color: {fg}; padding: 12px 18px; min-height: 32px; }}
QWidget#staff QTabBar::tab:selected {{ background: {ac}; color: {on}; }}
QWidget#staff QFrame[role="tile"] {{ background: {panel}; border-radius: 6px; }}
QWidget#staff QFrame[role="tile"][ok="false"] {{ border: 3px solid #e53935; }}
QWidget#staff QTableWidget, QWidget#staff QPlainTextEdit {{ background: {panel}; gridline-color: {bg}; }}
QWidget#staff QHeaderView::section {{ background: {bg}; color: {fg}; padding: 4px; border: none; }}
"""
