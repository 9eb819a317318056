// Test fixture: a decode worker that dies while decoding (as if killed or out of memory).
export default function crash() {
  return new Promise(() => setTimeout(() => process.exit(7), 5));
}
