import XCTest
import Jupyter
@testable import RNNLang

/// The functions, @ and .T as a user types them, against values worked out by hand; the
/// jacobian, generate and sample temperature=0 statements end to end.
final class FunctionTests: XCTestCase {
    func value(_ e: Evaluator, _ expr: String) throws -> String {
        try e.evaluate(expression: expr)["text/plain"]!.stringValue!
    }

    func run(_ e: Evaluator, _ source: String) throws -> String {
        let sink = RecordingSink()
        _ = try e.run(source, output: sink)
        return sink.text
    }

    func error(_ e: Evaluator, _ source: String, file: StaticString = #filePath, line: UInt = #line) -> Diagnostic? {
        do { _ = try e.run(source, output: RecordingSink()); XCTFail("no error for \(source)", file: file, line: line) } catch let d as Diagnostic { return d } catch {
            XCTFail("\(error)", file: file, line: line)
        }
        return nil
    }

    func number(_ e: Evaluator, _ expr: String) throws -> Double { Double(try value(e, expr))! }

    func testElementwiseFunctions() throws {
        let e = Evaluator()
        XCTAssertEqual(try number(e, "tanh(0.5)"), 0.46211715726000974, accuracy: 1e-16)
        XCTAssertEqual(try value(e, "tanh(0)"), "0")
        XCTAssertEqual(try value(e, "sigmoid(0)"), "0.5")
        XCTAssertEqual(try number(e, "sigmoid(2)"), 1 / (1 + 0.1353352832366127), accuracy: 1e-15)
        XCTAssertEqual(try value(e, "relu([-1, 0, 2.5])"), "[0, 0, 2.5]")
        XCTAssertEqual(try value(e, "exp(0)"), "1")
        XCTAssertEqual(try number(e, "exp(1)"), 2.718281828459045, accuracy: 1e-15)
        XCTAssertEqual(try value(e, "log(1)"), "0")
        XCTAssertEqual(try number(e, "log(exp(2))"), 2, accuracy: 1e-15)
        XCTAssertEqual(try value(e, "sqrt([4, 9, 0])"), "[2, 3, 0]")
        XCTAssertEqual(try value(e, "abs([[-1, 2], [3, -4]])"), "[[1, 2], [3, 4]]")
        // Matrices element by element, keeping their shape.
        XCTAssertEqual(try value(e, "relu([[1, -1], [-2, 2]])"), "[[1, 0], [0, 2]]")
        // tanh' = 1 − tanh², written out.
        XCTAssertEqual(try number(e, "1 - tanh(0.5) * tanh(0.5)"), 0.7864477329659274, accuracy: 1e-15)
        XCTAssertEqual(try value(e, "softmax([0, 0])"), "[0.5, 0.5]")
        // e^1, e^2, e^3 over their sum.
        let s = exp(1.0) + exp(2.0) + exp(3.0)
        let sm = try value(e, "softmax([1, 2, 3])").dropFirst().dropLast().split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! }
        for (a, b) in zip(sm, [exp(1) / s, exp(2) / s, exp(3) / s]) { XCTAssertEqual(a, b, accuracy: 1e-15) }
        XCTAssertEqual(try value(e, "softmax([[1000, 1000], [0, 0]])"), "[[0.5, 0.5], [0.5, 0.5]]")  // no overflow
        XCTAssertEqual(try value(e, "norm([3, 4])"), "5")
        XCTAssertEqual(try value(e, "norm([[1, 2], [2, 4]])"), "5")  // Frobenius: √(1+4+4+16)
        XCTAssertEqual(try value(e, "norm(-2)"), "2")
    }

    func testMatrices() throws {
        let e = Evaluator()
        XCTAssertEqual(try value(e, "eye(3)"), "[[1, 0, 0], [0, 1, 0], [0, 0, 1]]")
        XCTAssertEqual(try value(e, "zeros(2, 3)"), "[[0, 0, 0], [0, 0, 0]]")
        XCTAssertEqual(try value(e, "ones(3)"), "[1, 1, 1]")
        XCTAssertEqual(try value(e, "0.5 * eye(2) + ones(2, 2)"), "[[1.5, 1], [1, 1.5]]")
        _ = try run(e, "let M = [[1, 2], [3, 4]]")
        XCTAssertEqual(try value(e, "M.T"), "[[1, 3], [2, 4]]")
        XCTAssertEqual(try value(e, "M.T.T"), "[[1, 2], [3, 4]]")
        XCTAssertEqual(try value(e, "[[1, 2, 3]].T"), "[[1], [2], [3]]")
        XCTAssertEqual(try value(e, "[1, 2].T"), "[[1, 2]]")  // a vector is a column; its transpose the row
        XCTAssertEqual(try value(e, "M @ M"), "[[7, 10], [15, 22]]")
        XCTAssertEqual(try value(e, "M @ [1, 1]"), "[3, 7]")
        XCTAssertEqual(try value(e, "[1, 1] @ M"), "[4, 6]")
        XCTAssertEqual(try value(e, "[1, 2] @ [3, 4]"), "11")
        XCTAssertEqual(try value(e, "(M @ M).T"), "[[7, 15], [10, 22]]")
        XCTAssertEqual(try value(e, "[[1, 2, 3], [4, 5, 6]] @ [[1], [0], [-1]]"), "[[-2], [-2]]")
        XCTAssertEqual(try value(e, "2 * M @ eye(2)"), "[[2, 4], [6, 8]]")  // @ binds as * does, left to right
        XCTAssertEqual(try value(e, "eig([[2, 0], [0, 3]])"), "[3, 2]")
        XCTAssertEqual(try value(e, "eig([[0, -1], [1, 0]])"), "[0+1i, 0-1i]")
        XCTAssertEqual(try value(e, "eig([[0.6, -0.8], [0.8, 0.6]])"), "[0.6+0.8i, 0.6-0.8i]")
        XCTAssertEqual(try value(e, "abs(eig([[0, -2], [2, 0]]))"), "[2, 2]")
        XCTAssertEqual(try value(e, "svd([[3, 0], [0, -2]])"), "[3, 2]")
        XCTAssertEqual(try value(e, "svd([[3, 4]])"), "[5]")
        XCTAssertEqual(try value(e, "spectral_radius([[0.5, 1], [0, 0.9]])"), "0.9")
        XCTAssertEqual(try value(e, "spectral_radius([[0, -2], [2, 0]])"), "2")
        _ = try run(e, "let v = eig([[0, -1], [1, 0]])")
        XCTAssertEqual(try run(e, "print v"), "stdout: [0+1i, 0-1i]\n")
    }

    func testModelParametersAreValues() throws {
        let e = Evaluator()
        _ = try run(e, "cell net = rnn(input=2, hidden=3, init=identity, seed=1)")
        XCTAssertEqual(try value(e, "spectral_radius(net.W_hh)"), "1")
        XCTAssertEqual(try value(e, "eig(0.5 * net.W_hh)"), "[0.5, 0.5, 0.5]")
        XCTAssertEqual(try value(e, "net.W_hh.T @ [1, 2, 3]"), "[1, 2, 3]")
        // W_xh is 3×2: two singular values, and their squares sum to ‖W_xh‖_F².
        let sv = try value(e, "svd(net.W_xh)").dropFirst().dropLast().split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! }
        XCTAssertEqual(sv.count, 2)
        XCTAssertEqual(sv[0] * sv[0] + sv[1] * sv[1], try number(e, "norm(net.W_xh) * norm(net.W_xh)"), accuracy: 1e-12)
        XCTAssertThrowsError(try value(e, "net.W_hz")) { XCTAssertTrue("\($0)".contains("has no parameter 'W_hz'")) }
    }

    func testBadArgumentsGetClearErrors() throws {
        let e = Evaluator()
        func message(_ s: String) -> String { error(e, s).map { "\($0.kind.rawValue): \($0.message)" } ?? "" }
        XCTAssertEqual(message("print eig([[1, 2, 3], [4, 5, 6]])"), "ShapeError: eig needs a square matrix (n×n), found 2×3")
        XCTAssertEqual(message("print eig([])"), "ShapeError: eig needs a non-empty matrix, found an empty list")
        XCTAssertEqual(message("print svd([])"), "ShapeError: svd needs a non-empty matrix, found an empty list")
        XCTAssertEqual(message("print spectral_radius([1, 2])"), "ShapeError: spectral_radius needs a matrix (a list of rows), found a vector of 2; write [[...]] for a 1×2 matrix")
        XCTAssertEqual(message("print eig([[1, 2], [3]])"), "ShapeError: eig needs every row to have 2 values, found 1 in row 2")
        XCTAssertEqual(message("print [[1, 2, 3]] @ [[1, 2]]"), "ShapeError: A @ B needs A's columns to equal B's rows: A is 1×3, B is 1×2")
        XCTAssertEqual(message("print [1, 2] @ [1, 2, 3]"), "ShapeError: A @ B needs A's columns to equal B's rows: A is a vector of 2, B is a vector of 3")
        XCTAssertEqual(message("print 2 @ [1]"), "ValueError: @ multiplies matrices and vectors; for a number use *")
        XCTAssertEqual(message("print log(0)"), "ValueError: log needs x > 0, found 0")
        XCTAssertEqual(message("print sqrt([1, -4])"), "ValueError: sqrt needs x ≥ 0, found -4")
        XCTAssertEqual(message("print tanh(1, 2)"), "ValueError: tanh(X) takes one value, found 2")
        XCTAssertEqual(message("print tanh(\"a\")"), "ValueError: tanh takes a number, a list or a matrix, found a string")
        XCTAssertEqual(message("print softmax(2)"), "ShapeError: softmax needs a vector (or a matrix, row by row), found the number 2")
        XCTAssertEqual(message("print eye(0)"), "ValueError: expected N to be at least 1, found 0")
        XCTAssertEqual(message("print zeros(2, 1.5)"), "ValueError: expected C to be a whole number, found 1.5")
        XCTAssertEqual(message("print eig([[0, -1], [1, 0]]) + 1"), "ValueError: expected numbers or lists of numbers for '+', found the complex number 0+1i and the number 1")
        XCTAssertEqual(message("print tanh(eig([[0, -1], [1, 0]]))"), "ValueError: tanh takes real numbers, found the complex number 0+1i; abs gives its modulus")
        XCTAssertTrue(message("print tahn(1)").contains("did you mean 'tanh'?"))
        XCTAssertEqual(message("print tanh(x=1)"), "ValueError: tanh(...) takes no options, found 'x='; it is tanh(X)")
    }

    func testHelpForEveryFunctionGivesItsFormula() throws {
        for name in MathFunctions.names {
            let text = try Help.text(for: name)
            XCTAssertTrue(text.hasPrefix(name + "("), name)
            XCTAssertTrue(text.contains("Example"), name)
        }
        XCTAssertTrue(try Help.text(for: "tanh").contains("1 − tanh(x)²"))
        XCTAssertTrue(try Help.text(for: "jacobian").contains("∂s_t/∂s_{t-1}"))
        XCTAssertTrue(try Help.text(for: "generate").contains("x_{T+1} = y_T"))
        XCTAssertTrue(try Help.text(for: "").contains("spectral_radius"))
    }

    func testCompletionKnowsTheNewNames() {
        struct Ctx: CompletionContext {
            var modelNames = ["net"]
            var valueNames = ["M"]
            func parameterNames(of model: String) -> [String]? { model == "net" ? ["W_hh", "W_xh"] : nil }
        }
        XCTAssertEqual(complete(code: "print spectr", cursor: 12, context: Ctx()).matches, ["spectral_radius"])
        XCTAssertEqual(complete(code: "jaco", cursor: 4, context: Ctx()).matches, ["jacobian"])
        XCTAssertEqual(complete(code: "gen", cursor: 3, context: Ctx()).matches, ["generate"])
        XCTAssertEqual(complete(code: "plot jac", cursor: 8, context: Ctx()).matches, ["jacobian"])
        XCTAssertEqual(complete(code: "generate net fr", cursor: 15, context: Ctx()).matches, ["from"])
        XCTAssertEqual(complete(code: "generate net from [1] st", cursor: 24, context: Ctx()).matches, ["steps="])
        XCTAssertEqual(complete(code: "jacobian net on [1] dir", cursor: 23, context: Ctx()).matches, ["direction="])
        XCTAssertEqual(complete(code: "print M.", cursor: 8, context: Ctx()).matches, ["T"])
    }
}

/// The statements: jacobian, generate, backward's factor, greedy sample, init=identity.
final class FormulaStatementTests: XCTestCase {
    func run(_ e: Evaluator, _ source: String) throws -> String {
        let sink = RecordingSink()
        _ = try e.run(source, output: sink)
        return sink.text
    }

    func testJacobianOfTheWorkedExample() throws {
        let e = Evaluator()
        let out = try run(e, """
            cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)
            jacobian demo on [[1,1],[1,1],[2,2]]
            """)
        XCTAssertTrue(out.contains("J_t = W_hh; ρ(W_hh) = 2, σ_max(W_hh) = 2"), out)
        XCTAssertTrue(out.contains("| 3 | [2, 2] |              2 |            8 | [[1, 1], [1, 1]] |"), out)
    }

    func testJacobianRefusesWhatHasNoMeaning() throws {
        let e = Evaluator()
        _ = try run(e, "cell bi = gru(input=1, hidden=2, bidirectional=true, layers=2, seed=1)")
        func message(_ s: String) -> String {
            do { _ = try run(e, s); return "" } catch let d as Diagnostic { return d.message } catch { return "\(error)" }
        }
        XCTAssertTrue(message("jacobian bi on [1, 2]").contains("direction=forward or direction=reverse"))
        XCTAssertTrue(message("jacobian bi on [1, 2] direction=reverse").contains("pick one with layer=K"))
        XCTAssertTrue(try run(e, "jacobian bi on [1, 2] direction=reverse layer=1").contains("of layer 1 (its input held fixed), reverse direction"))
        XCTAssertTrue(message("jacobian bi on [1, 2] direction=up layer=1").contains("expected one of forward, reverse"))
        XCTAssertTrue(message("jacobian bi on [1, 2] direction=forward layer=2").contains("from 0 to 1"))
        _ = try run(e, "cell one = rnn(input=1, hidden=2, seed=1)")
        XCTAssertTrue(message("jacobian one on [1, 2] direction=reverse").contains("needs a bidirectional model"))
        XCTAssertTrue(message("jacobian one on [[1, 2]]").contains("input=1"))
    }

    func testBackwardShowsTheFactorPerStep() throws {
        let e = Evaluator()
        let out = try run(e, """
            cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)
            backward demo on [[1,1],[1,1],[2,2]] target=[0, 0]
            """)
        // ‖∂L/∂h_t‖ = 362.04, 181.02, 90.51 (README): each step back doubles it (W_hhᵀ = ones, norm 2).
        XCTAssertTrue(out.contains("| 1 | 362.038672 |                         - |"), out)
        XCTAssertTrue(out.contains("| 2 | 181.019336 |                         2 |"), out)
        XCTAssertTrue(out.contains("| 3 |  90.509668 |                         2 |"), out)
    }

    func testGreedySampleIsTheSameWhateverTheSeed() throws {
        let e = Evaluator()
        _ = try run(e, """
            cell chars = rnn(hidden=8, output=4, seed=2)
            train chars on text("abcdabcdabcd", seq=4) epochs=2 lr=0.05
            """)
        let a = try run(e, "sample chars from \"ab\" length=20 temperature=0 seed=1")
        let b = try run(e, "sample chars from \"ab\" length=20 temperature=0 seed=77")
        let c = try run(e, "sample chars from \"ab\" length=20 temperature=0")
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, c)
        XCTAssertThrowsError(try run(e, "sample chars temperature=-1")) { XCTAssertTrue("\($0)".contains("temperature ≥ 0")) }
    }

    /// A sine model continues its wave: trained on the next value of sin, it generates the next ones.
    func testSineModelContinuesItsWave() throws {
        let e = Evaluator()
        _ = try run(e, """
            cell wave = gru(input=1, hidden=16, output=1, seed=1)
            train wave on sine(count=128, length=40, seed=1) epochs=40 lr=0.01 batch=8
            """)
        let given = (0..<10).map { sin(0.1 * Double($0)) }
        let list = "[" + given.map { "\($0)" }.joined(separator: ", ") + "]"
        let out = try run(e, "generate wave from \(list) steps=10")
        let rows = out.split(separator: "\n").filter { $0.contains("generated") }
        XCTAssertEqual(rows.count, 10, out)
        var worst = 0.0
        for (k, row) in rows.enumerated() {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertEqual(cells[0], String(11 + k))
            worst = max(worst, abs(Double(cells[2])! - sin(0.1 * Double(10 + k))))
        }
        XCTAssertLessThan(worst, 0.1, out)  // 0.03 when written; the given steps alone would be off by up to 1
        let plot = try run(e, "plot generate wave from \(list) steps=30 width=60 height=12")
        XCTAssertTrue(plot.contains("* given   o generated"), plot)
        XCTAssertThrowsError(try run(e, "sample wave")) { XCTAssertTrue("\($0)".contains("generate wave from SEQ steps=N")) }
        XCTAssertThrowsError(try run(e, "generate wave from [1, 2] steps=0")) { XCTAssertTrue("\($0)".contains("at least 1")) }
        _ = try run(e, "cell two = rnn(input=2, hidden=3, output=1, seed=1)")
        XCTAssertThrowsError(try run(e, "generate two from [[1, 2]]")) { XCTAssertTrue("\($0)".contains("y_t must be as wide as x_t")) }
    }

    func testPlotJacobianIsALogChart() throws {
        let e = Evaluator()
        _ = try run(e, "cell net = lstm(input=1, hidden=3, seed=4)")
        let out = try run(e, "plot jacobian net on [0.1, 0.5, -0.2, 0.3, 0.9, 0.2] width=60 height=10")
        XCTAssertTrue(out.contains("||J_t ... J_1||2"), out)
        XCTAssertTrue(out.unicodeScalars.allSatisfy { $0.value < 128 }, "the text chart is 7-bit ASCII")
    }
}
