// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "gembatch",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "gembatch", targets: ["gembatch"]),
    .library(name: "GeminiAPI", targets: ["GeminiAPI"]),
    .library(name: "GeminiCatalog", targets: ["GeminiCatalog"]),
    .library(name: "GeminiMock", targets: ["GeminiMock"]),
    .library(name: "GemBatchCore", targets: ["GemBatchCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    // Already in the graph (swift-certificates): every SHA-256 (request hashes, job files on
    // resume, the mock's duplicate counter), faster than the hand-written one it replaced.
    .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
  ],
  targets: [
    .target(
      name: "GeminiAPI",
      dependencies: [
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(
      name: "GeminiCatalog",
      dependencies: ["GeminiAPI"],
      resources: [.copy("Resources/catalog.json")]
    ),
    .target(
      name: "GeminiMock",
      dependencies: [
        "GeminiAPI", "GeminiCatalog",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .target(
      name: "GemBatchCore",
      dependencies: [
        "GeminiAPI", "GeminiCatalog",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .executableTarget(
      name: "gembatch",
      dependencies: [
        "GeminiAPI", "GeminiCatalog", "GeminiMock", "GemBatchCore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // The scripted loopback server the client and CLI tests share (raw bytes, stalls, cut bodies).
    .target(
      name: "LoopbackServer",
      dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
      path: "Tests/Support/LoopbackServer"
    ),
    .testTarget(name: "GeminiAPITests", dependencies: ["GeminiAPI", "GeminiMock", "LoopbackServer",
      .product(name: "Hummingbird", package: "hummingbird")]),
    .testTarget(name: "GeminiCatalogTests", dependencies: ["GeminiCatalog", "GeminiAPI"]),
    .testTarget(name: "GeminiMockTests", dependencies: ["GeminiMock", "GeminiAPI", "GeminiCatalog"]),
    .testTarget(name: "GemBatchCoreTests", dependencies: ["GemBatchCore", "GeminiMock", "GeminiAPI", "GeminiCatalog"]),
    .testTarget(name: "GembatchCLITests", dependencies: ["GemBatchCore", "GeminiMock", "GeminiAPI", "GeminiCatalog", "LoopbackServer"]),
  ],
  swiftLanguageModes: [.v6]
)
