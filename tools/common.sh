# Shared set-up for the project's commands (tools/serve, tools/test, benchmarks).
# Sourced, not run. Every step checks first and only installs what is missing, so the
# commands are safe to run again. The addon serves Odoo 18.0 and 19.0; the commands run
# on the series of the Odoo they find. Settings come from the environment:
#   ODOO_PATH   an Odoo source tree (the folder holding odoo-bin) or an installed `odoo`
#               package, of a supported series; it chooses the series.
#   ODOO_SERIES 18.0 or 19.0: the series to run on when several trees are present
#               (default: the series of the first tree found).
#   Without ODOO_PATH, the first Odoo of the wanted series among /opt/odoo,
#               /opt/odoo18, /opt/odoo19, /usr/lib/python3/dist-packages (Debian's odoo
#               package), ~/odoo, and the project's cache
#               (~/.cache/mass_mailing_crm_nurture/odoo-18.0, .../odoo-19.0), where the
#               commands put Odoo's official source of the series (ODOO_SERIES, else
#               18.0) when none is found (ODOO_SOURCE_URL: where to clone it from).
#   VENV        the project virtualenv, one per series (default:
#               ~/.cache/mass_mailing_crm_nurture/venv-<series>; outside the checkout,
#               which is the addon itself: Odoo scans an addon's folder, e.g. for
#               translations, and must not find a virtualenv there).
#   PGHOST PGPORT PGUSER PGPASSWORD   the PostgreSQL server and role
#               (default: localhost 5432 odoo odoo; the role is created when missing).
set -euo pipefail

ADDON_NAME=mass_mailing_crm_nurture
# CI may start with a bare environment.
HOME=${HOME:-$(getent passwd "$(id -un)" | cut -d: -f6)}
PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/$ADDON_NAME
# The series the addon supports, the reference (18.0) first.
SUPPORTED_SERIES=(18.0 19.0)
DEFAULT_SERIES=18.0
PGHOST=${PGHOST:-localhost}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-odoo}
PGPASSWORD=${PGPASSWORD:-odoo}
export PGHOST PGPORT PGUSER PGPASSWORD

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 2; }

# Runs as root on a CI machine; uses sudo when a developer runs it as themselves.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ODOO_SOURCE_URL=${ODOO_SOURCE_URL:-https://github.com/odoo/odoo.git}

# The series of the Odoo at $1 (a source tree or the folder holding an `odoo`
# package), e.g. 18.0; nothing when it is none.
odoo_series_of() {
    [ -f "$1/odoo/release.py" ] && [ -d "$1/odoo/addons" ] || return 0
    sed -n -E 's/^version_info = \(([0-9]+), ([0-9]+),.*/\1.\2/p' "$1/odoo/release.py" | head -n 1
}

is_supported_series() {
    local series
    for series in "${SUPPORTED_SERIES[@]}"; do [ "$1" = "$series" ] && return 0; done
    return 1
}

# Sets ODOO_ROOT and ODOO_SERIES: ODOO_PATH, else the first tree of the wanted series
# (any supported one when ODOO_SERIES is unset) in the documented places, else
# Odoo's official source of that series fetched into the project's cache.
find_odoo() {
    if [ -n "${ODOO_SERIES:-}" ] && ! is_supported_series "$ODOO_SERIES"; then
        die "ODOO_SERIES=$ODOO_SERIES: the addon supports ${SUPPORTED_SERIES[*]}"
    fi
    local series
    if [ -n "${ODOO_PATH:-}" ]; then
        series=$(odoo_series_of "$ODOO_PATH")
        is_supported_series "$series" ||
            die "ODOO_PATH=$ODOO_PATH is not Odoo ${SUPPORTED_SERIES[*]}${series:+ (it is $series)}"
        [ -z "${ODOO_SERIES:-}" ] || [ "$ODOO_SERIES" = "$series" ] ||
            die "ODOO_PATH=$ODOO_PATH is Odoo $series, not ODOO_SERIES=$ODOO_SERIES"
        ODOO_ROOT=$(cd "$ODOO_PATH" && pwd)
        ODOO_SERIES=$series
        return 0
    fi
    # ODOO_CANDIDATES replaces the documented places (the project's own tests use it).
    local candidates
    if [ -n "${ODOO_CANDIDATES+set}" ]; then
        read -r -a candidates <<<"$ODOO_CANDIDATES"
    else
        candidates=(/opt/odoo /opt/odoo18 /opt/odoo19 /usr/lib/python3/dist-packages "$HOME/odoo")
    fi
    for series in "${SUPPORTED_SERIES[@]}"; do candidates+=("$CACHE_DIR/odoo-$series"); done
    local dir
    for dir in "${candidates[@]}"; do
        [ -n "$dir" ] || continue
        series=$(odoo_series_of "$dir")
        [ -n "$series" ] || continue
        if ! is_supported_series "$series"; then
            log "skipping $dir: Odoo $series, not ${SUPPORTED_SERIES[*]}"
        elif [ -n "${ODOO_SERIES:-}" ] && [ "$series" != "$ODOO_SERIES" ]; then
            continue
        else
            ODOO_ROOT=$(cd "$dir" && pwd)
            ODOO_SERIES=$series
            return 0
        fi
    done
    ODOO_SERIES=${ODOO_SERIES:-$DEFAULT_SERIES}
    fetch_odoo && return 0
    cat >&2 <<MSG
Odoo $ODOO_SERIES was not found. This addon needs an Odoo ${SUPPORTED_SERIES[*]} (Community or
Enterprise) source tree or installed package. Put the source tree (the folder that holds
odoo-bin, odoo/ and addons/) at /opt/odoo (or /opt/odoo18, /opt/odoo19), or install
Debian's odoo package, or point ODOO_PATH at it:
    ODOO_PATH=/path/to/odoo-$ODOO_SERIES $0
MSG
    exit 2
}

# No Odoo of the series anywhere: a shallow clone of Odoo's official branch of the
# series into the project's cache, which the next runs find. Fails (returns 1)
# without network.
fetch_odoo() {
    command -v git >/dev/null || apt_install git || return 1
    local target=$CACHE_DIR/odoo-$ODOO_SERIES
    log "Odoo $ODOO_SERIES not found: fetching Odoo's official source, branch $ODOO_SERIES"
    log "  from $ODOO_SOURCE_URL (a shallow clone, about 1 GB: several minutes)"
    log "  into $target"
    local partial=$target.partial started=$SECONDS
    rm -rf "$partial"
    mkdir -p "$CACHE_DIR"
    if ! git clone --quiet --depth 1 --single-branch --branch "$ODOO_SERIES" \
        "$ODOO_SOURCE_URL" "$partial"; then
        rm -rf "$partial"
        log "could not fetch Odoo (no network?)"
        return 1
    fi
    if [ "$(odoo_series_of "$partial")" != "$ODOO_SERIES" ]; then
        rm -rf "$partial"
        log "what $ODOO_SOURCE_URL holds is not Odoo $ODOO_SERIES"
        return 1
    fi
    # Moved in place whole: an interrupted clone is never taken for Odoo.
    rm -rf "$target"
    mv "$partial" "$target"
    ODOO_ROOT=$target
    log "Odoo $ODOO_SERIES fetched in $((SECONDS - started)) s"
}

# Addon folders of the Odoo tree: a source tree has addons/ beside odoo/; a package only odoo/addons.
odoo_addons_path() {
    local paths=("$LINK_DIR")
    [ -d "$ODOO_ROOT/addons" ] && paths+=("$ODOO_ROOT/addons")
    paths+=("$ODOO_ROOT/odoo/addons")
    (IFS=,; echo "${paths[*]}")
}

apt_install() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_system_packages() {
    # postgresql: the database server; libpq/ldap/sasl headers: Odoo's requirements that
    # build from source; chromium: browser tours (Odoo skips them without a browser);
    # libmagic1: python-magic, which 19.0 requires.
    apt_install postgresql postgresql-client libpq-dev libldap2-dev libsasl2-dev \
        build-essential python3-dev python3-venv chromium fonts-dejavu-core libmagic1
}

ensure_postgres() {
    if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
        log "starting PostgreSQL"
        local version
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        [ -n "$version" ] || die "no PostgreSQL cluster found under /etc/postgresql"
        as_root pg_ctlcluster "$version" main start
        for _ in $(seq 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
        pg_isready -q -h "$PGHOST" -p "$PGPORT" || die "PostgreSQL did not start"
    fi
    # Odoo refuses the postgres superuser: use a dedicated role that may create databases.
    if ! psql -d postgres -tAc "select 1" >/dev/null 2>&1; then
        log "creating PostgreSQL role $PGUSER"
        # Over the local socket as the postgres OS user, without this shell's PG* settings.
        as_root env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD \
            runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 \
            -c "CREATE ROLE \"$PGUSER\" LOGIN CREATEDB PASSWORD '$PGPASSWORD'" ||
            die "could not create role $PGUSER"
    fi
}

ensure_venv() {
    local python=${PYTHON:-python3}
    [ -x "$VENV/bin/python" ] || { log "creating virtualenv $VENV"; "$python" -m venv "$VENV"; }
    local stamp=$VENV/.requirements-stamp
    local want
    want=$(cat "$ODOO_ROOT/requirements.txt" "$PROJECT_DIR/tools/requirements.txt" 2>/dev/null | sha1sum | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        log "installing Python packages into $VENV (Odoo's requirements, test tools)"
        "$VENV/bin/python" -m pip install -q --upgrade pip wheel setuptools
        # Odoo pins cbor2 5.4.2, which does not build on recent Pythons; 5.6.5 is compatible.
        # An installed package (Debian's) ships no requirements.txt: its own
        # dependencies come with it.
        if [ -f "$ODOO_ROOT/requirements.txt" ]; then
            grep -v -E '^cbor2==' "$ODOO_ROOT/requirements.txt" > "$VENV/odoo-requirements.txt"
        else
            : > "$VENV/odoo-requirements.txt"
        fi
        # 19.0 pins psycopg2 itself (18.0 pins psycopg2-binary, beside which the
        # project's own psycopg2 stands): two different == pins cannot both install.
        if grep -q -E '^psycopg2==' "$VENV/odoo-requirements.txt"; then
            grep -v -E '^psycopg2==' "$PROJECT_DIR/tools/requirements.txt" > "$VENV/project-requirements.txt"
        else
            cp "$PROJECT_DIR/tools/requirements.txt" "$VENV/project-requirements.txt"
        fi
        "$VENV/bin/python" -m pip install -q -r "$VENV/odoo-requirements.txt" -r "$VENV/project-requirements.txt"
        echo "$want" > "$stamp"
    fi
}

# rtlcss: Odoo turns its style sheets right to left with it for the languages written
# that way (Persian); without it they stay left to right, and Odoo logs a warning.
# Pinned, from npm, into the project's cache.
RTLCSS_VERSION=4.3.0
ensure_rtlcss() {
    local dir=${XDG_CACHE_HOME:-$HOME/.cache}/$ADDON_NAME/rtlcss-$RTLCSS_VERSION
    if [ ! -x "$dir/node_modules/.bin/rtlcss" ]; then
        command -v npm >/dev/null || apt_install nodejs npm
        log "installing rtlcss $RTLCSS_VERSION (npm) into $dir"
        mkdir -p "$dir"
        npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error \
            "rtlcss@$RTLCSS_VERSION" >/dev/null
    fi
    PATH=$dir/node_modules/.bin:$PATH
    export PATH
}

ensure_addon_link() {
    mkdir -p "$LINK_DIR"
    ln -sfn "$PROJECT_DIR" "$LINK_DIR/$ADDON_NAME"
}

write_odoo_config() {
    # $1: file to write. Odoo options shared by serving and testing. Demo data is
    # loaded (WITHOUT_DEMO=True: none): 18.0 loads it by default, 19.0 only when
    # asked, and both read this option of the file the same way.
    cat > "$1" <<CONF
[options]
addons_path = $(odoo_addons_path)
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = $PGPASSWORD
data_dir = $VENV/odoo-data
http_interface = 127.0.0.1
without_demo = ${WITHOUT_DEMO:-False}
CONF
}

prepare_all() {
    find_odoo
    log "Odoo $ODOO_SERIES at $ODOO_ROOT"
    VENV=${VENV:-$CACHE_DIR/venv-$ODOO_SERIES}
    # Where Odoo's addons path gets a folder named after the addon: Odoo finds modules
    # by folder name, and a checkout may be cloned under any name. One folder per
    # checkout, so that two checkouts (say, two branches) can be tested at once.
    LINK_DIR=$VENV/addons-link/$(printf '%s' "$PROJECT_DIR" | sha1sum | cut -c1-12)
    ensure_system_packages
    ensure_postgres
    ensure_venv
    ensure_rtlcss
    ensure_addon_link
    export PYTHONPATH=$ODOO_ROOT${PYTHONPATH:+:$PYTHONPATH}
    ODOO_BIN=("$VENV/bin/python" "$ODOO_ROOT/odoo-bin")
    [ -f "$ODOO_ROOT/odoo-bin" ] || ODOO_BIN=("$VENV/bin/python" -m odoo)
}
