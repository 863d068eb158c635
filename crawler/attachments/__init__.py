"""Attachments (附件) of every format governments publish, read as text in contained child processes.

`contained` runs untrusted-file parsers and converter tools under CPU, memory, time and file-size
limits; `convert.read_attachment` turns a PDF (text layer or OCR), DOCX, DOC/WPS (LibreOffice), OFD,
XLSX or image (OCR) into text; `extractor.AttachmentExtractor` fetches the files a site links and
stores their text (fact family `attachments`). Nothing here judges.
"""
