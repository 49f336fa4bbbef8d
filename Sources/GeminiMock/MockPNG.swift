/// A small, valid PNG for image answers: 16×16 pixels in two colours drawn from the generator
/// (so the same request gives the same image), stored without compression.
enum MockPNG {
  static let side = 16

  static func image(_ rng: inout SplitMix64) -> [UInt8] {
    let a = rng.next(), b = rng.next()
    let c1 = [UInt8(a & 0xff), UInt8(a >> 8 & 0xff), UInt8(a >> 16 & 0xff)]
    let c2 = [UInt8(b & 0xff), UInt8(b >> 8 & 0xff), UInt8(b >> 16 & 0xff)]
    // Raw scanlines: filter byte 0, then RGB; a diagonal split between the two colours.
    var raw: [UInt8] = []
    raw.reserveCapacity(side * (1 + side * 3))
    for y in 0..<side {
      raw.append(0)
      for x in 0..<side { raw += x >= y ? c1 : c2 }
    }
    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    var header: [UInt8] = []
    header += be32(UInt32(side))
    header += be32(UInt32(side))
    header += [8, 2, 0, 0, 0]  // 8-bit RGB, deflate, no filter method, no interlace
    chunk("IHDR", header, into: &png)
    chunk("IDAT", zlibStored(raw), into: &png)
    chunk("IEND", [], into: &png)
    return png
  }

  static func be32(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
  }

  static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
    let t = Array(type.utf8)
    out += be32(UInt32(data.count))
    out += t
    out += data
    out += be32(crc32(t + data))
  }

  /// A zlib stream of stored (uncompressed) deflate blocks, with its Adler-32.
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var i = 0
    repeat {
      let n = min(65_535, data.count - i)
      let last: UInt8 = i + n >= data.count ? 1 : 0
      out += [last, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
      out += data[i..<(i + n)]
      i += n
    } while i < data.count
    var s1: UInt32 = 1, s2: UInt32 = 0
    for b in data {
      s1 = (s1 + UInt32(b)) % 65_521
      s2 = (s2 + s1) % 65_521
    }
    out += be32(s2 << 16 | s1)
    return out
  }

  static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
  }
}
