"""Lays out source.txt with ReportLab (Debian's python3-reportlab) in a
TrueType font embedded as subsets of single-byte codes, one column or
two, the running header drawn before the body.

Usage: python3 layout_reportlab.py source.txt out.pdf COLUMNS
"""
import sys

from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

source, out, columns = sys.argv[1], sys.argv[2], int(sys.argv[3])
pdfmetrics.registerFont(TTFont("ZenHei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", subfontIndex=0))

body = ParagraphStyle("body", fontName="ZenHei", fontSize=10, leading=15, firstLineIndent=20, wordWrap="CJK")
title = ParagraphStyle("title", parent=body, fontSize=15, leading=22, firstLineIndent=0, alignment=1, spaceAfter=8)
author = ParagraphStyle("author", parent=body, firstLineIndent=0, alignment=1, spaceAfter=8)
heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=18, firstLineIndent=0, spaceBefore=6)


def header(canvas, doc):
    # Runs before the page's flowables: the header is drawn first.
    canvas.setFont("ZenHei", 8)
    canvas.drawRightString(A5[0] - 15 * mm, A5[1] - 10 * mm, "吉林党建 2020年第7期")
    canvas.drawCentredString(A5[0] / 2, 8 * mm, "第 %d 页" % doc.page)


width = (A5[0] - 30 * mm - (columns - 1) * 6 * mm) / columns
frames = [Frame(15 * mm + i * (width + 6 * mm), 15 * mm, width, A5[1] - 30 * mm, id="c%d" % i) for i in range(columns)]
doc = BaseDocTemplate(out, pagesize=A5, pageTemplates=[PageTemplate(frames=frames, onPage=header)])
doc.title = "kbot test"

lines = open(source, encoding="utf-8").read().split("\n")
flow = []
for i, line in enumerate(l for l in lines if l):
    style = body
    if i == 0:
        style = title
    elif i == 1:
        style = author
    elif len(line) <= 4:
        style = heading
    flow.append(Paragraph(line.replace("&", "&amp;").replace("<", "&lt;"), style))
doc.build(flow)
