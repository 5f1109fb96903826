# The two commands of README.md: `make demo` (the main job on the simulated rig) and `make test` (the suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Debian packages the suite and the benches need (ffmpeg: the vidstab baseline; the held-out logo set's photographs
# and fonts; the training side's fonts and photographs, which kit preparation also draws on); installed by
# `make test` as root.
# What Qt's screen plugins need to open the kiosk on a Debian machine with no desktop (X11 or Wayland); installed by
# `make install` and `make demo` as root (docs/kiosk.md; ui/preflight.py names any that is missing).
KIOSK_PACKAGES := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 \
	libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libwayland-client0 \
	libwayland-cursor0 libwayland-egl1
# The kiosk's tests run it on a real X server, with and without a kiosk window manager.
SCREEN_TEST_PACKAGES := xvfb matchbox-window-manager x11-utils
DEBIAN_PACKAGES := $(KIOSK_PACKAGES) $(SCREEN_TEST_PACKAGES) gcc-avr avr-libc binutils-avr simavr libsimavr-dev libsimavrparts1 make gcc chromium mosquitto mosquitto-clients openssl ffmpeg plasma-workspace-wallpapers fonts-urw-base35 fonts-lato fonts-open-sans fonts-cantarell fonts-league-spartan fonts-comic-neue fonts-linuxlibertine fonts-ebgaramond fonts-crosextra-caladea \
	fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-freefont-ttf fonts-noto-core fonts-crosextra-carlito \
	mate-backgrounds gnome-backgrounds

.PHONY: demo test install install-test system-packages kiosk-packages lint pictures clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(VENV)/bin/python kiosk-packages
	$(PY) -m pip install --quiet -e .

kiosk-packages:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(KIOSK_PACKAGES); \
	else echo "for the kiosk, run as root, or install: $(KIOSK_PACKAGES)"; fi

install-test: $(VENV)/bin/python system-packages
	$(PY) -m pip install --quiet -e '.[test]'

system-packages:
	@if [ -n "$(strip $(DEBIAN_PACKAGES))" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES); \
	  else echo "run as root, or install: $(DEBIAN_PACKAGES)"; fi; \
	fi

demo: install
	@test -d demo/kit || $(VENV)/bin/booth logos kit demo/kit
	$(VENV)/bin/booth logos prepare --kit demo/kit --minutes 1
	$(VENV)/bin/booth shoot --rig sim --out demo/clips --kit demo/kit
	@echo "Your clip is in the newest folder under demo/clips/ (clip.mp4, poster.jpg, preview.webp, tags.json)."
	@echo "Its consent page opens at the address above once the page is served: $(VENV)/bin/booth serve"
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  $(VENV)/bin/booth kiosk --rig sim --windowed; \
	else echo "No screen here; where there is one, 'make demo' opens the kiosk: $(VENV)/bin/booth kiosk --rig sim"; fi

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -q

# The README's pictures: the kiosk's from the running kiosk under Xvfb and a kiosk window manager (docs/kiosk.md),
# the phone page's from the browser tests in Chromium.
pictures: install-test
	docs/screenshots/take-kiosk.sh docs/screenshots
	PHONE_PICTURES=docs/screenshots $(VENV)/bin/pytest -q -p no:cacheprovider tests/booth/consent/test_phone_page.py

clean:
	rm -rf demo booth-data .pytest_cache .mypy_cache .ruff_cache
