import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where `export`, `report` and `diff` may write: never onto the ledger they read (the store,
/// its `-wal`, `-shm`, `-journal` or `.lock`) nor onto an input file (a price table, the other
/// store of a diff). Paths are compared after resolving `.`, `..` and symlinks, and as
/// files (device and inode), so a hard link or `./s.sqlite` is caught too.
public enum OutputPath {
  /// Throws `ReportError(.badOption)` naming what `out` would overwrite.
  public static func check(_ out: String, stores: [String], inputs: [String] = []) throws {
    let target = resolved(out)
    let targetID = fileID(out)
    var protected: [(String, String)] = []
    for store in stores {
      protected.append((store, "the store \(store)"))
      for suffix in ["-wal", "-shm", "-journal", ".lock"] {
        protected.append((store + suffix, "the store's \(suffix) file \(store + suffix)"))
      }
    }
    for input in inputs { protected.append((input, "the input file \(input)")) }
    for (path, what) in protected {
      let same = resolved(path) == target || (targetID != nil && fileID(path) == targetID)
      if same {
        throw ReportError(
          code: .badOption,
          detail: "--out \(out) is \(what): refusing to overwrite it (the ledger is the record of what was paid); choose another file")
      }
    }
  }

  /// The absolute path with symlinks resolved; for a file that does not exist yet, its folder
  /// resolved and its name appended.
  public static func resolved(_ path: String) -> String {
    if let r = realPath(path) { return r }
    let ns = path as NSString
    let dir = ns.deletingLastPathComponent.isEmpty ? "." : ns.deletingLastPathComponent
    return (realPath(dir) ?? dir) + "/" + ns.lastPathComponent
  }

  static func realPath(_ p: String) -> String? {
    guard let c = realpath(p, nil) else { return nil }
    defer { free(c) }
    return String(cString: c)
  }

  struct FileID: Equatable {
    var device: UInt64
    var inode: UInt64
  }

  static func fileID(_ path: String) -> FileID? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
  }
}
