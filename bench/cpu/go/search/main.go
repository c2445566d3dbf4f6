// Option-returning binary search, written the Go way (a value and an ok flag), asked a
// million times (two searches each).
package main

import "fmt"

func find(xs []int64, want int64) (int64, bool) {
	lo, hi := 0, len(xs)
	for lo < hi {
		mid := (lo + hi) / 2
		if xs[mid] == want {
			return int64(mid), true
		}
		if xs[mid] < want {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return 0, false
}

func findPair(xs []int64, a, b int64) (int64, bool) {
	i, ok := find(xs, a)
	if !ok {
		return 0, false
	}
	j, ok := find(xs, b)
	if !ok {
		return 0, false
	}
	return i + j, true
}

func main() {
	var xs []int64
	for i := int64(0); i < 100_000; i++ {
		xs = append(xs, i*3)
	}
	found, missing := int64(0), int64(0)
	seed := int64(1)
	for k := 0; k < 1_000_000; k++ {
		seed = (seed*1103515245 + 12345) % 2147483648
		a := seed % 300_000
		b := (seed / 7) % 300_000
		if s, ok := findPair(xs, a, b); ok {
			found += s
		} else {
			missing++
		}
	}
	fmt.Println(found)
	fmt.Println(missing)
}
