# Sourced by scripts/test-all: installs the official CDA validator's Python
# requirements (saxonche + lxml, from PyPI) in a venv under target/, and
# exports SEGUR_SCHEMATRON_PYTHON so that the opt-in CDA tests run the
# official schematrons (segur-cda tests/schematron_agreement.rs) and
# scripts/check.d/20-cda-schematron.sh can validate the produced documents.
SCHEMATRON_VENV="$CARGO_TARGET_DIR/schematron-venv"
if [ ! -x "$SCHEMATRON_VENV/bin/python" ] || ! "$SCHEMATRON_VENV/bin/python" -c 'import saxonche, lxml' 2>/dev/null; then
  if ! python3 -m venv "$SCHEMATRON_VENV" 2>/dev/null; then
    apt_install python3-venv
    python3 -m venv "$SCHEMATRON_VENV"
  fi
  "$SCHEMATRON_VENV/bin/pip" install -q -r "$SEGUR_SHARED/tools/requirements.txt"
fi
export SEGUR_SCHEMATRON_PYTHON="$SCHEMATRON_VENV/bin/python"
export SEGUR_SCHEMATRON_TOOL="$SEGUR_SHARED/tools/schematron.py"
