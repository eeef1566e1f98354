"""Signal processing on plain numpy audio: loudness (BS.1770) and a peak limiter."""
