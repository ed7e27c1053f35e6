"""Reading text: tesseract, the handwriting engines, the written lines of a page, French words."""
