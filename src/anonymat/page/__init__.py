"""One page, pixels in and facts out: decoding, blank pages, pose, the template and its placement, the header, the masks, the barcode."""
