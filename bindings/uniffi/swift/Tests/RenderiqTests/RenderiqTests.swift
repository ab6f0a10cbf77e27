// Tests of the Swift package (issue 13) that need no server: the native library loads and
// passes uniffi's contract and API checksum checks, webhooks sign and verify, and a bad
// configuration is a RenderiqError.Config. Run on macOS after scripts/build-xcframework.sh:
//   cd bindings/uniffi/swift && swift test
// NOT compiled or run where this was written (Linux, no Swift toolchain): see README.md.
import Foundation
import XCTest

import Renderiq

final class RenderiqTests: XCTestCase {
    // The first call into the library runs uniffi's load-time checks (a mismatch is a
    // fatalError, so this test crashes rather than fails when the XCFramework and
    // Renderiq.swift come from different builds).
    func testBindingAndCoreVersionsMatch() {
        let binding = bindingVersion()
        XCTAssertFalse(binding.isEmpty)
        // Both crates take the workspace's version.
        XCTAssertEqual(binding, sdkVersion())
    }

    func testWebhookSignAndVerifyRoundTrip() throws {
        let secret = generateWebhookSecret()
        XCTAssertTrue(secret.hasPrefix("whsec_"), secret)
        let webhook = try Webhook(secret: secret)
        let body = Data(#"{"type":"render.completed"}"#.utf8)
        let timestamp = Int64(Date().timeIntervalSince1970)
        let signature = webhook.sign(msgId: "msg_1", timestamp: timestamp, body: body)
        XCTAssertTrue(signature.hasPrefix("v1,"), signature)
        let headers = [
            Header(name: "webhook-id", value: "msg_1"),
            Header(name: "webhook-timestamp", value: String(timestamp)),
            Header(name: "webhook-signature", value: signature),
        ]
        XCTAssertNoThrow(try webhook.verify(body: body, headers: headers))

        // Another body under the same signature is rejected.
        XCTAssertThrowsError(try webhook.verify(body: Data("{}".utf8), headers: headers)) { error in
            guard let e = error as? RenderiqError, case .WebhookVerification = e else {
                return XCTFail("expected RenderiqError.WebhookVerification, got \(error)")
            }
        }
    }

    func testBadConfigJsonThrowsConfig() {
        XCTAssertThrowsError(try Client(configJson: #"{"nope":1}"#)) { error in
            guard let e = error as? RenderiqError,
                  case let .Config(reason, _, _, status, _, _, _, _, _) = e
            else {
                return XCTFail("expected RenderiqError.Config, got \(error)")
            }
            XCTAssertFalse(reason.isEmpty)
            XCTAssertNil(status, "no request was made")
        }
    }
}
