-- SPDX-License-Identifier: Apache-2.0
-- One refused recipient (reply code), one accepted, then a message refused at the end.
-- run: miltertest -D sock=inet:PORT@127.0.0.1 -s reject-recipient.lua
local conn = mt.connect(sock, 20, 0.25)
if conn == nil then error("cannot connect to " .. sock) end
if mt.negotiate(conn, nil, nil, nil) ~= nil then error("negotiation failed") end
-- SMFIP_NOCONNECT was negotiated (see accept-adds-header.lua): the client comes as MAIL macros
mt.macro(conn, SMFIC_MAIL, "{client_addr}", "192.0.2.10")
if mt.mailfrom(conn, "<sender@lua.test>") ~= nil then error("mailfrom failed") end
if mt.rcptto(conn, "<unknown@lua.test>") ~= nil then error("rcptto failed") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("unknown recipient not refused with a reply code") end
if mt.rcptto(conn, "<rcpt@lua.test>") ~= nil then error("rcptto failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("good recipient not continued") end
if mt.header(conn, "Subject", "please reject-me") ~= nil then error("header failed") end
if mt.eoh(conn) ~= nil then error("eoh failed") end
-- no body: the policy needs none, so the gateway negotiated SMFIP_NOBODY
if mt.eom(conn) ~= nil then error("eom failed") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("message not refused with a reply code") end
mt.disconnect(conn)
