/** Formats an embedding as a pgvector literal (`[0.1,0.2,…]`). */
export function toVectorLiteral(values: ArrayLike<number>): string {
  return `[${Array.prototype.join.call(values, ',')}]`;
}

/**
 * Reads a vector as pgvector's binary form, which `vector_send(embedding)` returns as bytea: the
 * dimension (int16), an unused int16, then each float4, big-endian. Cheaper at both ends than
 * text, where PostgreSQL prints each float and this side parses it again.
 */
export function fromVectorBytes(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dimension = view.getUint16(0);
  if (bytes.byteLength !== 4 + 4 * dimension) throw new RangeError(`a ${dimension}-d vector takes ${4 + 4 * dimension} bytes, not ${bytes.byteLength}`);
  const vector = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) vector[i] = view.getFloat32(4 + 4 * i);
  return vector;
}
