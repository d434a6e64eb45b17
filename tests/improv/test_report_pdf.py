"""Bug 6: the session PDF shows the curves at page width on a page of their own (printed at
their own size, so their 8 pt text stays 8 pt), and its last page is never the footer alone
(real Chromium print, read back with poppler)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.sessions.helpers import import_half_duet

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("pdfimages") is None,
                       reason="needs Debian's chromium and poppler-utils"),
]


def _pages(pdf) -> list[str]:
    n = int(next(ln.split()[1] for ln in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        if ln.startswith("Pages:")))
    return [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for i in range(1, n + 1)]


def test_session_pdf_curves_at_page_width_and_no_lonely_footer(run_cli, store, tmp_path, rng):
    sid = import_half_duet(store, tmp_path, rng=rng)
    pdf = tmp_path / "s.pdf"
    r = run_cli("report", sid, "--to", pdf)
    assert r.exit_code == 0, r.stderr
    pages = _pages(pdf)
    last = " ".join(pages[-1].split())
    assert "Made by improv" in last and "About this report" in last  # the footer has company
    # the therapist's part first (its writing, then the curves), the technical appendix after
    flat = " ".join(" ".join(pages).split())
    assert flat.index("Annotations and notes") < flat.index("Curves Red lines") < \
        flat.index("Technical appendix (for research")
    curves = next(i for i, p in enumerate(pages) if "Curves" in p and "Red lines" in p)
    # no page of a few lines: nothing forces a page break between the therapist's sections,
    # and the curves' page ends the therapist's part: the appendix follows it
    assert flat.count("No annotations or notes.") == 1
    assert "Technical appendix" in pages[curves + 1]
    assert all(len(p.split()) > 60 for p in pages[:curves]), [len(p.split()) for p in pages]
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    first = images[0].split()
    page, width_px, x_ppi = int(first[0]), int(first[3]), int(first[12])
    assert page == curves + 1  # the heading and its figure on one page
    assert width_px / x_ppi >= 5.5  # inches: most of A4's 7.1 in, not half of it
    assert x_ppi <= 112  # drawn at 110 dpi: not shrunk to fit (its text would fall below 8 pt)
    assert int(first[4]) > width_px  # a portrait figure: a row per curve group
