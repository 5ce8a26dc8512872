// What GraphiQL opens on: the README's story, one named operation per step (GraphiQL asks which to
// run). test/graphiql.test.ts validates it against the schema.
export const graphiqlStory = `# Welcome to Roster. Each operation below is one step of the README's story: put the cursor in
# one and press the run button (Ctrl-Enter).
#
# Most operations need a bearer token. \`npm run roster -- bootstrap --name "Acme" --slug acme\`
# prints an API key (rk_…, for your backend) and an owner session (rs_…, acts as the owner); paste
# one into the Headers tab below:
#   { "Authorization": "Bearer rk_…" }
# Previewing and accepting an invitation need no header: the invitation token is the credential.

# 1. Who is calling? (Also works with no header: ANONYMOUS.)
query Viewer {
  viewer {
    kind
    member { email roles }
    organization { slug }
  }
}

# 2. The organization bootstrap created.
query Organization {
  organization(by: { slug: "acme" }) {
    __typename
    ... on Organization { id name slug settings { seatLimit invitePolicy } }
    ... on Error { code message }
  }
}

# 3. Invite someone. Without SMTP_URL the mail goes to the local sink (.roster-data/mail/ and a
#    log line); its link ends in ?token=ri_…
mutation Invite {
  inviteMember(input: {
    organization: { slug: "acme" }
    email: "marie@example.com"
    name: "Marie"
    roles: ["admin"]
    redirectUrl: "http://localhost:3000/accept-invitation"
  }) {
    __typename
    ... on InviteMemberPayload { invitation { id status expiresAt delivery { status } } }
    ... on SeatLimitReachedError { seatLimit }
    ... on Error { code message }
  }
}

# 4. Preview the invitation with the token from the link (remove the Authorization header).
query Preview {
  invitationByToken(token: "ri_…") {
    __typename
    ... on InvitationPreview { organizationName inviterName email roles expiresAt }
    ... on Error { code message }
  }
}

# 5. Accept it: the answer holds the new member's session token (rs_…).
mutation Accept {
  acceptInvitation(token: "ri_…") {
    __typename
    ... on AcceptInvitationPayload { session { token expiresAt } member { id email roles } }
    ... on Error { code message }
  }
}

# 6. With that session as the bearer ({ "Authorization": "Bearer rs_…" }), list the members.
query Members {
  viewer {
    organization {
      members(first: 20) {
        totalCount
        edges { node { email name roles status } }
      }
    }
  }
}
`;
