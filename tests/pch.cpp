// The source of qz_test_pch (tests/CMakeLists.txt), which exists to build the tests' precompiled header.
