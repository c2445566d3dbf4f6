// Word frequencies with an insertion-ordered map (a map to the entry index and a slice of
// entries, which is what holo's Map is), then the most frequent words by sort.SliceStable.
package main

import (
	"fmt"
	"sort"
	"strconv"
)

type entry struct {
	word string
	n    int64
}

func main() {
	index := map[string]int{}
	var entries []entry
	seed := int64(42)
	for i := 0; i < 1_000_000; i++ {
		seed = (seed*1103515245 + 12345) % 2147483648
		word := "w" + strconv.FormatInt(seed%5000, 10)
		if k, ok := index[word]; ok {
			entries[k].n++
		} else {
			index[word] = len(entries)
			entries = append(entries, entry{word, 1})
		}
	}
	count := len(entries)
	sort.SliceStable(entries, func(a, b int) bool {
		if entries[a].n != entries[b].n {
			return entries[a].n > entries[b].n
		}
		return entries[a].word < entries[b].word
	})
	fmt.Println(count)
	for _, e := range entries[:3] {
		fmt.Println(e.word, e.n)
	}
}
