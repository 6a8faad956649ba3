#!/usr/bin/env python3
"""Applies an XSLT stylesheet with Saxon-HE from PyPI (saxonche), no JVM.

Usage: saxonche_xslt.py STYLESHEET INPUT OUTPUT [NAME=VALUE ...]

The command behind segur_cda::stylesheet::XsltProcessor::Command for editors
who run the official ANS display stylesheet (CDA-FO.xsl) with Saxon-HE but
have no JVM (`pip install saxonche`):

  --xslt-processor 'command:python3 cda/tools/saxonche_xslt.py {stylesheet} {input} {output} {params}'

NAME=VALUE pairs are passed as string parameters. Exits 0 when the page is
written, 1 with the processor's message on stderr otherwise, 2 on usage errors.
"""

import os
import sys


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    stylesheet, source, output = argv[1], argv[2], argv[3]
    params = []
    for arg in argv[4:]:
        name, sep, value = arg.partition("=")
        if not sep or not name:
            print(f"parameter {arg!r}: expected NAME=VALUE", file=sys.stderr)
            return 2
        params.append((name, value))
    try:
        from saxonche import PySaxonProcessor
    except ImportError as e:
        print(f"saxonche is not installed (pip install saxonche): {e}", file=sys.stderr)
        return 1
    try:
        with PySaxonProcessor(license=False) as proc:
            executable = proc.new_xslt30_processor().compile_stylesheet(
                stylesheet_file=os.path.abspath(stylesheet)
            )
            for name, value in params:
                executable.set_parameter(name, proc.make_string_value(value))
            executable.transform_to_file(
                source_file=os.path.abspath(source), output_file=os.path.abspath(output)
            )
    except Exception as e:  # saxonche raises PySaxonApiError and others
        print(f"Saxon-HE: {e}", file=sys.stderr)
        return 1
    if not os.path.exists(output):
        print("Saxon-HE wrote no output", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
