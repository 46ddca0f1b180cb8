/**
 * The bytes of a lowercase hexadecimal string (two digits a byte), as the kernels are
 * embedded (scripts/build-wasm.mjs). Hex rather than base64: it keeps every byte at a
 * byte boundary, so gzip finds the binary's repeats in the text (8.1 → 6.4 KB gzipped for the
 * kernels), and it is plain ASCII that every bundler copies as is.
 */
export function bytesFromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >>> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (digit(hex.charCodeAt(2 * i)) << 4) | digit(hex.charCodeAt(2 * i + 1));
  return bytes;
}

/** The value of one lowercase hex digit's character code ("0"–"9" are 48–57, "a"–"f" 97–102). */
function digit(code: number): number {
  return code < 58 ? code - 48 : code - 87;
}
