#!/bin/sh
# Install the Debian packages imprint needs: Debian's python3 and its venv module, from
#   which the Makefile makes .venv; Pango and HarfBuzz (WeasyPrint), fontconfig, fallback
#   fonts for scripts the brand fonts lack (Noto CJK for Korean, Japanese and Chinese;
#   Noto core for Arabic script and others; Symbola for symbols and emoji), Java
#   (epubcheck), poppler-utils (pdffonts, pdftotext, and pdftoppm for covers and proofs),
#   and libgs-common, whose CMYK printer profile (Ghostscript's default_cmyk.icc) is
#   PDF/X-4's output intent.
#   The validators (`imprint check`, `make test`) add Java for EPUBCheck and the Nu
#   HTML checker, LibreOffice Writer to open every DOCX, and calibre, whose ebook-meta
#   reads collections the way e-book libraries do. Chromium is the real browser the
#   browser tests drive (through Playwright, which cannot download its own here), and
#   the one Ace by DAISY audits EPUBs in; Node.js and npm run Ace (`imprint check`
#   installs it into the user cache on first use). Jekyll is the oracle for how a Jekyll
#   site's posts render. git is what the editor's-loop test diffs an imported post with.
#
#   scripts/system-deps.sh [--if-missing] [build|check]
#
# "build" (the default) is what `make all` needs; "check" adds the validators.
# With --if-missing, nothing happens unless one of them is absent.
set -eu

BUILD="python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
libharfbuzz-subset0 fontconfig fonts-dejavu-core fonts-noto-cjk fonts-noto-core \
fonts-symbola poppler-utils libgs-common"
CHECK="default-jre-headless libreoffice-writer-nogui calibre chromium nodejs npm git \
jekyll ruby-jekyll-feed ruby-jekyll-seo-tag ruby-jekyll-sitemap ruby-jekyll-redirect-from"

if_missing=""
if [ "${1:-}" = "--if-missing" ]; then
    if_missing=1
    shift
fi
case "${1:-build}" in
    build) PACKAGES="$BUILD" ;;
    check) PACKAGES="$BUILD $CHECK" ;;
    *) echo "usage: $0 [--if-missing] [build|check]" >&2; exit 2 ;;
esac

node_ok() {
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
        [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 18 ]
}

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        # a JRE installed some other way is as good as Debian's default one
        if [ "$package" = default-jre-headless ] && command -v java >/dev/null 2>&1; then
            continue
        fi
        # likewise a Node.js 18 or later from elsewhere (NodeSource bundles npm)
        if { [ "$package" = nodejs ] || [ "$package" = npm ]; } && node_ok; then
            continue
        fi
        missing="$missing $package"
    fi
done

if [ -n "$if_missing" ] && [ -z "$missing" ]; then
    exit 0
fi
[ -n "$missing" ] || missing="$PACKAGES"

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "imprint: these Debian packages are missing:$missing" >&2
    echo "imprint: install them as root: apt-get install$missing" >&2
    exit 1
fi

echo "imprint: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
