import XCTest

// Filled by its issue.
final class FitPlaceholder: XCTestCase {}
