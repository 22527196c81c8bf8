package server

import (
	"github.com/openconsent/openconsent/ecosystems"
)

// ecosystemFor returns the behaviour of a workspace's ecosystem. Ecosystems
// without their own package yet behave as generic FAPI workspaces.
func ecosystemFor(wc WorkspaceConfig) ecosystems.Ecosystem {
	return ecosystems.Generic{}
}
