# Shared set-up for the project's commands (tools/serve, tools/test, benchmarks).
# Sourced, not run. Every step checks first and only installs what is missing, so the
# commands are safe to run again. Settings come from the environment:
#   ODOO_PATH   an Odoo 18.0 source tree (the folder holding odoo-bin) or an installed
#               `odoo` package; default: the first of /opt/odoo, /opt/odoo18,
#               /usr/lib/python3/dist-packages (Debian's odoo package), ~/odoo, and
#               the project's cache (~/.cache/mass_mailing_crm_nurture/odoo-18.0),
#               where the commands put Odoo's official 18.0 source when none is found
#               (ODOO_SOURCE_URL: where to clone it from).
#   VENV        the project virtualenv (default: ~/.cache/mass_mailing_crm_nurture/venv;
#               outside the checkout, which is the addon itself: Odoo scans an addon's
#               folder, e.g. for translations, and must not find a virtualenv there).
#   PGHOST PGPORT PGUSER PGPASSWORD   the PostgreSQL server and role
#               (default: localhost 5432 odoo odoo; the role is created when missing).
set -euo pipefail

ADDON_NAME=mass_mailing_crm_nurture
# CI may start with a bare environment.
HOME=${HOME:-$(getent passwd "$(id -un)" | cut -d: -f6)}
PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/$ADDON_NAME/venv}
PGHOST=${PGHOST:-localhost}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-odoo}
PGPASSWORD=${PGPASSWORD:-odoo}
export PGHOST PGPORT PGUSER PGPASSWORD
# Where Odoo's addons path gets a folder named after the addon: Odoo finds modules by
# folder name, and a checkout may be cloned under any name. One folder per checkout,
# so that two checkouts (say, two branches) can be tested at the same time.
LINK_DIR=$VENV/addons-link/$(printf '%s' "$PROJECT_DIR" | sha1sum | cut -c1-12)

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 2; }

# Runs as root on a CI machine; uses sudo when a developer runs it as themselves.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Where the commands put Odoo's official 18.0 source when no Odoo 18.0 is found.
ODOO_CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/$ADDON_NAME/odoo-18.0
ODOO_SOURCE_URL=${ODOO_SOURCE_URL:-https://github.com/odoo/odoo.git}
ODOO_SOURCE_BRANCH=18.0

is_odoo18() {
    [ -f "$1/odoo/release.py" ] && [ -d "$1/odoo/addons" ] &&
        grep -qE "^version_info = \(18, 0" "$1/odoo/release.py"
}

find_odoo() {
    # ODOO_CANDIDATES replaces the documented places (the project's own tests use it).
    local candidates
    if [ -n "${ODOO_CANDIDATES+set}" ]; then
        read -r -a candidates <<<"$ODOO_CANDIDATES"
    else
        candidates=(/opt/odoo /opt/odoo18 /usr/lib/python3/dist-packages "$HOME/odoo")
    fi
    candidates=("${ODOO_PATH:-}" "${candidates[@]}" "$ODOO_CACHE_DIR")
    local dir
    for dir in "${candidates[@]}"; do
        [ -n "$dir" ] || continue
        if is_odoo18 "$dir"; then
            ODOO_ROOT=$(cd "$dir" && pwd)
            return 0
        elif [ -f "$dir/odoo/release.py" ]; then
            log "skipping $dir: not Odoo 18.0"
        fi
    done
    fetch_odoo && return 0
    cat >&2 <<MSG
Odoo 18.0 was not found. This addon needs an Odoo 18.0 (Community or Enterprise) source
tree or installed package. Put the source tree (the folder that holds odoo-bin, odoo/ and
addons/) at /opt/odoo, or install Debian's odoo 18.0 package, or point ODOO_PATH at it:
    ODOO_PATH=/path/to/odoo-18.0 $0
MSG
    exit 2
}

# No Odoo 18.0 anywhere: a shallow clone of Odoo's official 18.0 branch into the
# project's cache, which the next runs find. Fails (returns 1) without network.
fetch_odoo() {
    command -v git >/dev/null || apt_install git || return 1
    log "Odoo 18.0 not found: fetching Odoo's official source, branch $ODOO_SOURCE_BRANCH"
    log "  from $ODOO_SOURCE_URL (a shallow clone, about 1 GB: several minutes)"
    log "  into $ODOO_CACHE_DIR"
    local partial=$ODOO_CACHE_DIR.partial started=$SECONDS
    rm -rf "$partial"
    mkdir -p "$(dirname "$ODOO_CACHE_DIR")"
    if ! git clone --quiet --depth 1 --single-branch --branch "$ODOO_SOURCE_BRANCH" \
        "$ODOO_SOURCE_URL" "$partial"; then
        rm -rf "$partial"
        log "could not fetch Odoo (no network?)"
        return 1
    fi
    if ! is_odoo18 "$partial"; then
        rm -rf "$partial"
        log "what $ODOO_SOURCE_URL holds is not Odoo 18.0"
        return 1
    fi
    # Moved in place whole: an interrupted clone is never taken for Odoo.
    rm -rf "$ODOO_CACHE_DIR"
    mv "$partial" "$ODOO_CACHE_DIR"
    ODOO_ROOT=$ODOO_CACHE_DIR
    log "Odoo 18.0 fetched in $((SECONDS - started)) s"
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
    # build from source; chromium: browser tours (Odoo skips them without a browser).
    apt_install postgresql postgresql-client libpq-dev libldap2-dev libsasl2-dev \
        build-essential python3-dev python3-venv chromium fonts-dejavu-core
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
        "$VENV/bin/python" -m pip install -q -r "$VENV/odoo-requirements.txt" -r "$PROJECT_DIR/tools/requirements.txt"
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
    # $1: file to write. Odoo options shared by serving and testing.
    cat > "$1" <<CONF
[options]
addons_path = $(odoo_addons_path)
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = $PGPASSWORD
data_dir = $VENV/odoo-data
CONF
}

prepare_all() {
    find_odoo
    ensure_system_packages
    ensure_postgres
    ensure_venv
    ensure_rtlcss
    ensure_addon_link
    export PYTHONPATH=$ODOO_ROOT${PYTHONPATH:+:$PYTHONPATH}
    ODOO_BIN=("$VENV/bin/python" "$ODOO_ROOT/odoo-bin")
    [ -f "$ODOO_ROOT/odoo-bin" ] || ODOO_BIN=("$VENV/bin/python" -m odoo)
}
