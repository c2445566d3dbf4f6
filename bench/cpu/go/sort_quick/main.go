// A million pseudo-random integers sorted by a hand-written quicksort (iterative, Hoare
// partition around the middle element), the same algorithm as the holo and Rust versions.
package main

import "fmt"

func randomArray(n int, seed int64) []int64 {
	var xs []int64
	for k := 0; k < n; k++ {
		seed = (seed*1103515245 + 12345) % 2147483648
		xs = append(xs, seed)
	}
	return xs
}

func quicksort(xs []int64) []int64 {
	ranges := []int64{0, int64(len(xs)) - 1}
	for len(ranges) > 0 {
		hi := ranges[len(ranges)-1]
		lo := ranges[len(ranges)-2]
		ranges = ranges[:len(ranges)-2]
		if lo >= hi {
			continue
		}
		pivot := xs[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		ranges = append(ranges, lo, j, i, hi)
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
	xs := quicksort(randomArray(1_000_000, 42))
	fmt.Println(isSorted(xs))
	fmt.Println(xs[0], xs[500_000], xs[999_999])
}
