import XCTest
import VectorKernels
@testable import RNN

/// Training on every kernel build this processor runs (ISA.available: baseline, avx2, avx512 on
/// this project's machine) gives the same bits: every loss and every weight after a few steps, for
/// each cell kind, on blocked shards (four rows or more) and on single rows, with rows whose widths
/// leave every vector tail. The first build's bits are also checked against hashes pinned from
/// x86-64, so a processor with one build (arm64) is compared too.
final class KernelBuildTests: XCTestCase {
    /// Random sequences of 9 to 12 steps (masking), inputs in (−1, 1), a class at every step.
    func data(sequences: Int, width: Int, classes: Int) -> Dataset {
        var rng = SplitMix64(seed: 17)
        var inputs: [[[Double]]] = [], targets: [[Int]] = []
        for e in 0..<sequences {
            let T = 9 + e % 4
            inputs.append((0..<T).map { _ in (0..<width).map { _ in rng.uniform(-1, 1) } })
            targets.append((0..<T).map { _ in rng.below(classes) })
        }
        return Dataset(name: "t", summary: "t", inputs: inputs, targets: .classSequences(targets))
    }

    /// FNV-1a over the values' bit patterns, little-endian bytes.
    func fnv1a(_ values: [Double]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in values {
            var bits = v.bitPattern
            for _ in 0..<8 { h = (h ^ (bits & 0xFF)) &* 0x100_0000_01b3; bits >>= 8 }
        }
        return h
    }

    let pinned: [String: String] = [
        "lstm hidden=13 layers=1 bidirectional=false batch=1": "95e63b83cf0b8a7d",
        "lstm hidden=13 layers=1 bidirectional=false batch=20": "10e3825e2c0b66d2",
        "gru hidden=21 layers=2 bidirectional=false batch=1": "4bd03222fedf9551",
        "gru hidden=21 layers=2 bidirectional=false batch=20": "5ddfeb7a0eea2086",
        "rnn hidden=9 layers=1 bidirectional=true batch=1": "40c95dc7908791ee",
        "rnn hidden=9 layers=1 bidirectional=true batch=20": "bd92bdf08dc87635",
        "rnn hidden=61 layers=1 bidirectional=false batch=1": "84d7e1e9d06ff52a",
        "rnn hidden=61 layers=1 bidirectional=false batch=20": "9cc5054ff73ae875",
    ]

    func testEveryKernelBuildTrainsToTheSameBits() throws {
        let builds = ISA.available
        defer { ISA.use(builds.last!) }
        if builds.count == 1 { print("KernelBuildTests: only \(builds[0]) runs here; compared with the hashes pinned from x86-64") }
        let configs = [CellConfig(kind: .lstm, input: 3, hidden: 13, output: 4),
                       CellConfig(kind: .gru, input: 3, hidden: 21, output: 4, layers: 2),
                       CellConfig(kind: .rnn, input: 3, hidden: 9, output: 4, bidirectional: true),
                       // Wider than one single-row panel on every build (40, or 56 with AVX-512).
                       CellConfig(kind: .rnn, input: 3, hidden: 61, output: 4)]
        for config in configs {
            for (batch, sequences) in [(1, 3), (20, 20)] {
                let d = data(sequences: sequences, width: 3, classes: 4)
                var runs: [(isa: ISA, losses: [Double], theta: [Double])] = []
                for isa in builds {
                    ISA.use(isa)
                    var rng = SplitMix64(seed: 7)
                    let model = Model(config: config, rng: &rng)
                    var options = TrainOptions()
                    options.epochs = 2
                    options.batch = batch
                    options.clipping = .norm(1)
                    let r = try model.train(on: d, options: options)
                    runs.append((isa, r.losses, r.model.flatValues))
                }
                let first = runs[0]
                // Pinned from the x86-64 builds, which agree: on a processor with one build (arm64's
                // NEON) this is what compares it with the others.
                let key = "\(config.kind) hidden=\(config.hidden) layers=\(config.layers) bidirectional=\(config.bidirectional) batch=\(batch)"
                let hash = String(fnv1a(first.losses + first.theta), radix: 16)
                XCTAssertEqual(hash, pinned[key], "\(key) on \(first.isa): losses and weights hash to \(hash)")
                for run in runs.dropFirst() {
                    let what = "\(config.kind) layers=\(config.layers) bidirectional=\(config.bidirectional) batch=\(batch): \(run.isa) against \(first.isa)"
                    XCTAssertEqual(run.losses.map(\.bitPattern), first.losses.map(\.bitPattern), what + ", losses")
                    XCTAssertEqual(run.theta.map(\.bitPattern), first.theta.map(\.bitPattern), what + ", weights")
                }
            }
        }
    }
}
