// swift-tools-version:5.9
// Renderiq for Swift (issue 13): the uniffi-generated bindings over the Rust core, for macOS 12+
// and iOS 15+. Build RenderiqFFI.xcframework first, on macOS: scripts/build-xcframework.sh.
// Layout (checked against this file by scripts/check-swift-package.sh):
//   Sources/Renderiq/Renderiq.swift    generated Swift (scripts/uniffi-generate.sh swift)
//   Headers/RenderiqFFI/               generated C header + module.modulemap of module RenderiqFFI,
//                                      copied into every slice of the XCFramework
//   RenderiqFFI.xcframework            static library per platform + those headers (git-ignored)
import PackageDescription

let package = Package(
    name: "Renderiq",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "Renderiq", targets: ["Renderiq"]),
    ],
    targets: [
        // The Rust core (librenderiq_uniffi.a) and the C module RenderiqFFI that
        // Renderiq.swift imports. A release hosts the zipped XCFramework instead of a path:
        //   .binaryTarget(name: "RenderiqFFI",
        //                 url: "https://<release host>/RenderiqFFI.xcframework.zip",
        //                 checksum: "<swift package compute-checksum RenderiqFFI.xcframework.zip>")
        .binaryTarget(name: "RenderiqFFI", path: "RenderiqFFI.xcframework"),
        .target(
            name: "Renderiq",
            dependencies: ["RenderiqFFI"],
            path: "Sources/Renderiq",
            // A static Rust library carries no autolink entries: the system frameworks its
            // dependencies use (security-framework: TLS trust and the keychain) are named here.
            linkerSettings: [
                .linkedFramework("Security"),
                .linkedFramework("CoreFoundation"),
            ]
        ),
        .testTarget(
            name: "RenderiqTests",
            dependencies: ["Renderiq"],
            path: "Tests/RenderiqTests"
        ),
    ]
)
