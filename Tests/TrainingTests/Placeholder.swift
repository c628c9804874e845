import XCTest

// Filled by its issue.
final class TrainingPlaceholder: XCTestCase {}
