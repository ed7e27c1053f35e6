"""Reading order: the continuity of the text across pages, the memo's outline, numbered headings, page marks, missing pages."""
