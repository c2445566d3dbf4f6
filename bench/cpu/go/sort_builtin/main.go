// A million pseudo-random integers sorted by the standard library's sort.
package main

import (
	"fmt"
	"sort"
)

func randomArray(n int, seed int64) []int64 {
	var xs []int64
	for k := 0; k < n; k++ {
		seed = (seed*1103515245 + 12345) % 2147483648
		xs = append(xs, seed)
	}
	return xs
}

func isSorted(xs []int64) bool {
	for i := 1; i < len(xs); i++ {
		if xs[i-1] > xs[i] {
			return false
		}
	}
	return true
}

func main() {
	xs := randomArray(1_000_000, 42)
	sort.Slice(xs, func(a, b int) bool { return xs[a] < xs[b] })
	fmt.Println(isSorted(xs))
	fmt.Println(xs[0], xs[500_000], xs[999_999])
}
