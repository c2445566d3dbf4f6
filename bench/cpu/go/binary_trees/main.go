// binary-trees (the Computer Language Benchmarks Game): perfect binary trees of depth 4 to 16
// allocated, walked and dropped, many times over, beside one long-lived tree; allocation of small
// objects (nil is the leaf).
package main

import "fmt"

type node struct {
	left, right *node
}

func bottomUp(depth int64) *node {
	if depth > 0 {
		return &node{bottomUp(depth - 1), bottomUp(depth - 1)}
	}
	return &node{nil, nil}
}

func check(t *node) int64 {
	if t == nil {
		return 0
	}
	return 1 + check(t.left) + check(t.right)
}

func main() {
	minDepth := int64(4)
	maxDepth := int64(16)
	stretch := maxDepth + 1
	fmt.Printf("stretch tree of depth %d\t check: %d\n", stretch, check(bottomUp(stretch)))
	longLived := bottomUp(maxDepth)
	for depth := minDepth; depth <= maxDepth; depth += 2 {
		iterations := int64(1) << (maxDepth - depth + minDepth)
		sum := int64(0)
		for i := int64(0); i < iterations; i++ {
			sum += check(bottomUp(depth))
		}
		fmt.Printf("%d\t trees of depth %d\t check: %d\n", iterations, depth, sum)
	}
	fmt.Printf("long lived tree of depth %d\t check: %d\n", maxDepth, check(longLived))
}
