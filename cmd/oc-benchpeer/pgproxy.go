package main

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// pgProxy forwards PostgreSQL connections from a loopback port to the real
// server and counts round trips: every frontend Sync ('S', the end of an
// extended-protocol exchange) and simple Query ('Q') message is one
// request/response exchange with the server (PostgreSQL protocol §55.2).
// Only used with sslmode=disable, so the frontend stream is plain.
type pgProxy struct {
	ln         net.Listener
	target     string
	roundTrips atomic.Int64
	wg         sync.WaitGroup
}

func startPGProxy(target string) (*pgProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &pgProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

func (p *pgProxy) addr() string { return p.ln.Addr().String() }

func (p *pgProxy) close() { p.ln.Close(); p.wg.Wait() }

func (p *pgProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *pgProxy) serve(c net.Conn) {
	defer c.Close()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer s.Close()
	go func() { _, _ = io.Copy(c, s); c.Close() }()
	br := bufio.NewReaderSize(c, 64<<10)
	// The startup message has no type byte: int32 length, then the body.
	var hdr [4]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if _, err := s.Write(hdr[:]); err != nil || n < 4 {
		return
	}
	if _, err := io.CopyN(s, br, int64(n-4)); err != nil {
		return
	}
	bw := bufio.NewWriterSize(s, 64<<10)
	var th [5]byte
	for {
		if _, err := io.ReadFull(br, th[:]); err != nil {
			return
		}
		if th[0] == 'S' || th[0] == 'Q' {
			p.roundTrips.Add(1)
		}
		n := int(binary.BigEndian.Uint32(th[1:]))
		if _, err := bw.Write(th[:]); err != nil || n < 4 {
			return
		}
		if _, err := io.CopyN(bw, br, int64(n-4)); err != nil {
			return
		}
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return
			}
		}
	}
}
