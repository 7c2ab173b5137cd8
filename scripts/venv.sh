# Sourced by the scripts that install pinned Python tools into gitignored
# virtual environments (setup-test-env, dist).

# ensure_venv VENV REQUIREMENTS WHAT: install REQUIREMENTS into VENV, saying
# "Installing WHAT", unless VENV was already made from exactly this file (its
# hash is kept in VENV/.installed-from). A changed pin reinstalls.
ensure_venv() {
    local venv=$1 requirements=$2 what=$3 wanted
    wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.installed-from" 2>/dev/null)" = "$wanted" ]; then
        return 0
    fi
    echo "Installing $what into $venv ..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" > "$venv/.installed-from"
}
