/// Arithmetic on counts a server sent: it saturates at the ends of `Int` instead of trapping
/// (a hostile or broken answer may claim `Int64.max` tokens).
extension Int {
  @inlinable func adding(saturating other: Int) -> Int {
    let (r, o) = addingReportingOverflow(other)
    return o ? (other > 0 ? .max : .min) : r
  }

  @inlinable func subtracting(saturating other: Int) -> Int {
    let (r, o) = subtractingReportingOverflow(other)
    return o ? (other < 0 ? .max : .min) : r
  }

  @inlinable func multiplied(saturating other: Int) -> Int {
    let (r, o) = multipliedReportingOverflow(by: other)
    return o ? ((self < 0) != (other < 0) ? .min : .max) : r
  }
}
