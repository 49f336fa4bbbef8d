import Foundation
import GeminiAPI
import Synchronization

/// A string that matches a schema's `pattern`, for JSON-mode answers and function arguments, so
/// that a dry run's values pass the same check gembatch applies to real answers
/// (`SchemaValidator`, `NSRegularExpression`).
///
/// It reads the common subset of the ECMA/ICU syntax: literals and escapes, `.`, classes
/// (`[a-z0-9_]`, `[^…]`, `\d \w \s` and their negations), groups (also `(?:…)`), alternation,
/// the quantifiers `* + ? {n} {n,} {n,m}` (lazy and possessive marks ignored) and the anchors
/// `^ $`. Anything else (lookaround, backreferences, `\b`, named groups, flags) makes it give up,
/// and so does a generated string that `NSRegularExpression` does not match: the caller then
/// falls back to a plain word, as before. Deterministic for a given generator state.
struct PatternStringGenerator {
  indirect enum Node {
    case literal(Unicode.Scalar)
    /// Inclusive ranges; `negated` picks a printable ASCII character outside them.
    case set([ClosedRange<UInt32>], negated: Bool)
    case any
    case sequence([Node])
    case alternatives([Node])
    case repeated(Node, min: Int, max: Int?)
    case anchor
  }

  struct Unsupported: Error {}

  /// Parses `pattern`; nil when it uses anything outside the subset.
  static func parse(_ pattern: String) -> Node? {
    var p = Parser(scalars: Array(pattern.unicodeScalars))
    guard let node = try? p.alternatives(), p.i == p.scalars.count else { return nil }
    return node
  }

  /// A pattern read once and its check compiled once (nil: outside the subset or not a regex).
  /// `@unchecked Sendable`: `NSRegularExpression` is immutable and safe to match from any thread.
  struct Compiled: @unchecked Sendable {
    let node: Node
    let re: NSRegularExpression
  }

  /// Per pattern, so that a schema's patterns are not parsed and compiled for every answer. A
  /// dry run has a handful; past 256 the cache stops growing and each call compiles as before.
  private static let cache = Mutex<[String: Compiled?]>([:])

  static func compiled(_ pattern: String) -> Compiled? {
    if let hit = cache.withLock({ $0[pattern] }) { return hit }
    var c: Compiled?
    if let node = parse(pattern), let re = try? NSRegularExpression(pattern: pattern) { c = Compiled(node: node, re: re) }
    cache.withLock { if $0.count < 256 { $0[pattern] = c } }
    return c
  }

  /// A string matching `pattern` whose length (in Unicode scalars) is within the bounds, or nil.
  static func string(
    matching pattern: String, minLength: Int? = nil, maxLength: Int? = nil, rng: inout SplitMix64
  ) -> String? {
    guard let c = compiled(pattern) else { return nil }
    let (node, re) = (c.node, c.re)
    for _ in 0..<8 {
      var out = String.UnicodeScalarView()
      guard generate(node, into: &out, rng: &rng) else { return nil }
      let s = String(out)
      let n = out.count
      if let minLength, n < minLength { continue }
      if let maxLength, n > maxLength { continue }
      if re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil { return s }
    }
    return nil
  }

  /// Letters and digits first for `.`, so the values stay readable.
  static let readable: [ClosedRange<UInt32>] = [0x61...0x7A, 0x41...0x5A, 0x30...0x39]
  static let printable: ClosedRange<UInt32> = 0x20...0x7E

  static func generate(_ node: Node, into out: inout String.UnicodeScalarView, rng: inout SplitMix64) -> Bool {
    switch node {
    case .literal(let c):
      out.append(c)
    case .any:
      return pick(from: readable, into: &out, rng: &rng)
    case .set(let ranges, let negated):
      if !negated { return pick(from: ranges, into: &out, rng: &rng) }
      let allowed = printable.filter { v in !ranges.contains { $0.contains(v) } }
      guard !allowed.isEmpty, let c = Unicode.Scalar(allowed[rng.below(allowed.count)]) else { return false }
      out.append(c)
    case .sequence(let nodes):
      for n in nodes where !generate(n, into: &out, rng: &rng) { return false }
    case .alternatives(let nodes):
      return generate(nodes[rng.below(nodes.count)], into: &out, rng: &rng)
    case .repeated(let n, let min, let max):
      let top = max ?? (min + 3)
      let count = min + rng.below(top - min + 1)
      for _ in 0..<count where !generate(n, into: &out, rng: &rng) { return false }
    case .anchor:
      break
    }
    return true
  }

  static func pick(from ranges: [ClosedRange<UInt32>], into out: inout String.UnicodeScalarView, rng: inout SplitMix64)
    -> Bool
  {
    let total = ranges.reduce(0) { $0 + Int($1.upperBound - $1.lowerBound) + 1 }
    guard total > 0 else { return false }
    var k = UInt32(rng.below(total))
    for r in ranges {
      let size = r.upperBound - r.lowerBound + 1
      if k < size {
        guard let c = Unicode.Scalar(r.lowerBound + k) else { return false }
        out.append(c)
        return true
      }
      k -= size
    }
    return false
  }

  struct Parser {
    let scalars: [Unicode.Scalar]
    var i = 0

    static let digits: [ClosedRange<UInt32>] = [0x30...0x39]
    static let word: [ClosedRange<UInt32>] = [0x61...0x7A, 0x41...0x5A, 0x30...0x39, 0x5F...0x5F]
    static let space: [ClosedRange<UInt32>] = [0x20...0x20, 0x09...0x0A, 0x0D...0x0D]

    var atEnd: Bool { i >= scalars.count }
    var peek: Unicode.Scalar? { atEnd ? nil : scalars[i] }

    mutating func alternatives() throws -> Node {
      var branches = [try sequence()]
      while peek == "|" {
        i += 1
        branches.append(try sequence())
      }
      return branches.count == 1 ? branches[0] : .alternatives(branches)
    }

    mutating func sequence() throws -> Node {
      var nodes: [Node] = []
      while let c = peek, c != "|", c != ")" {
        let atom = try self.atom()
        nodes.append(try quantified(atom))
      }
      return .sequence(nodes)
    }

    mutating func atom() throws -> Node {
      let c = scalars[i]
      i += 1
      switch c {
      case "(":
        if peek == "?" {
          // Only a non-capturing group; lookaround, named groups and flags are not generated.
          guard i + 1 < scalars.count, scalars[i + 1] == ":" else { throw Unsupported() }
          i += 2
        }
        let inner = try alternatives()
        guard peek == ")" else { throw Unsupported() }
        i += 1
        return inner
      case "[": return try set()
      case ".": return .any
      case "^", "$": return .anchor
      case "\\": return try escape()
      case "*", "+", "?", "{", "}", ")", "]": throw Unsupported()
      default: return .literal(c)
      }
    }

    /// After a `\`: a class, or one literal character.
    mutating func escape() throws -> Node {
      guard let c = peek else { throw Unsupported() }
      i += 1
      switch c {
      case "d": return .set(Self.digits, negated: false)
      case "D": return .set(Self.digits, negated: true)
      case "w": return .set(Self.word, negated: false)
      case "W": return .set(Self.word, negated: true)
      case "s": return .set(Self.space, negated: false)
      case "S": return .set(Self.space, negated: true)
      case "n": return .literal("\n")
      case "t": return .literal("\t")
      case "r": return .literal("\r")
      case "u":
        guard i + 4 <= scalars.count, let v = UInt32(String(String.UnicodeScalarView(scalars[i..<i + 4])), radix: 16),
          let s = Unicode.Scalar(v)
        else { throw Unsupported() }
        i += 4
        return .literal(s)
      default:
        // Letters and digits after `\` mean something else (\b, \1, \p{…}, \x…): not generated.
        if c.properties.isAlphabetic || ("0"..."9").contains(c) { throw Unsupported() }
        return .literal(c)
      }
    }

    /// After `[`: ranges and escapes up to `]`.
    mutating func set() throws -> Node {
      var negated = false
      if peek == "^" {
        negated = true
        i += 1
      }
      var ranges: [ClosedRange<UInt32>] = []
      var first = true
      while true {
        guard let c = peek else { throw Unsupported() }
        if c == "]" && !first {
          i += 1
          break
        }
        first = false
        i += 1
        var low: UInt32
        if c == "\\" {
          switch try escape() {
          case .literal(let s): low = s.value
          case .set(let rs, false):
            ranges += rs
            continue
          default: throw Unsupported()  // a negated class inside a class
          }
        } else if c == "[" {
          throw Unsupported()  // POSIX classes, nested sets
        } else {
          low = c.value
        }
        if peek == "-", i + 1 < scalars.count, scalars[i + 1] != "]" {
          i += 1
          var high: UInt32
          let h = scalars[i]
          i += 1
          if h == "\\" {
            guard case .literal(let s) = try escape() else { throw Unsupported() }
            high = s.value
          } else {
            high = h.value
          }
          guard low <= high else { throw Unsupported() }
          ranges.append(low...high)
        } else {
          ranges.append(low...low)
        }
      }
      guard !ranges.isEmpty || negated else { throw Unsupported() }
      return .set(ranges, negated: negated)
    }

    mutating func quantified(_ atom: Node) throws -> Node {
      guard let c = peek else { return atom }
      var node: Node
      switch c {
      case "*":
        i += 1
        node = .repeated(atom, min: 0, max: nil)
      case "+":
        i += 1
        node = .repeated(atom, min: 1, max: nil)
      case "?":
        i += 1
        node = .repeated(atom, min: 0, max: 1)
      case "{":
        guard let (lo, hi) = bounds() else { return atom }
        node = .repeated(atom, min: lo, max: hi)
      default:
        return atom
      }
      // A lazy or possessive mark changes nothing for generation.
      if peek == "?" || peek == "+" { i += 1 }
      if let c = peek, c == "*" || c == "+" || c == "?" || c == "{" { throw Unsupported() }
      return node
    }

    /// `{n}`, `{n,}` or `{n,m}` at the cursor; nil (cursor unmoved) when it is not one.
    mutating func bounds() -> (Int, Int?)? {
      var j = i + 1
      func number() -> Int? {
        var v = 0
        var any = false
        while j < scalars.count, let d = Int(String(scalars[j])), ("0"..."9").contains(scalars[j]) {
          v = v * 10 + d
          any = true
          j += 1
          if v > 1_000 { return nil }
        }
        return any ? v : nil
      }
      guard let lo = number() else { return nil }
      var hi: Int? = lo
      if j < scalars.count, scalars[j] == "," {
        j += 1
        hi = number()
      }
      guard j < scalars.count, scalars[j] == "}" else { return nil }
      if let h = hi, h < lo { return nil }
      i = j + 1
      return (lo, hi)
    }
  }
}
