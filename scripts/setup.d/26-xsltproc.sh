# Sourced by scripts/test-all: installs Debian's xsltproc (libxslt) and
# exports the opt-in switch of the display-stylesheet tests:
#   SEGUR_XSLTPROC=1   segur-cda cda/tests/stylesheet.rs and the conformance
#                      scenario cda.display.official-stylesheet
#                      (conformance/tests/it/cda_stylesheet.rs) run xsltproc
#                      with the STAND-IN stylesheet cda/tests/data/stand-in-display.xsl
#                      (the official CDA-FO.xsl is never in the repository).
# The Saxon-HE variants of those tests use SEGUR_SCHEMATRON_PYTHON (saxonche,
# from 20-schematron.sh) with cda/tools/saxonche_xslt.py.
apt_install xsltproc
command -v xsltproc >/dev/null
SEGUR_XSLTPROC=1
export SEGUR_XSLTPROC
echo "xsltproc: $(xsltproc --version 2>&1 | head -n 1)"
