-- SPDX-License-Identifier: Apache-2.0
-- A message the policy accepts: the gateway must answer accept at end of message and add its header.
-- run: miltertest -D sock=inet:PORT@127.0.0.1 -s accept-adds-header.lua
local conn = mt.connect(sock, 20, 0.25)
if conn == nil then error("cannot connect to " .. sock) end
if mt.negotiate(conn, nil, nil, nil) ~= nil then error("negotiation failed") end
-- no CONNECT and no HELO: no rule runs or reads anything there, so the gateway negotiated
-- SMFIP_NOCONNECT and SMFIP_NOHELO (miltertest then refuses to send them) and asked for the
-- client's macros with MAIL instead
mt.macro(conn, SMFIC_MAIL, "j", "mx.lua.test", "{client_addr}", "192.0.2.10", "{client_name}", "client.lua.test")
if mt.mailfrom(conn, "<sender@lua.test>") ~= nil then error("mailfrom failed") end
if mt.rcptto(conn, "<rcpt@lua.test>") ~= nil then error("rcptto failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("rcpt not continued") end
if mt.header(conn, "Subject", "lua accept") ~= nil then error("header failed") end
if mt.header(conn, "X-Drop", "goes away") ~= nil then error("header failed") end
if mt.eoh(conn) ~= nil then error("eoh failed") end
-- no body: the policy needs none, so the gateway negotiated SMFIP_NOBODY
if mt.eom(conn) ~= nil then error("eom failed") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("end of message not accepted") end
if not mt.eom_check(conn, MT_HDRADD, "X-Mailgate", " mx.lua.test 192.0.2.10 client.lua.test") then error("X-Mailgate not added") end
if not mt.eom_check(conn, MT_HDRDELETE, "X-Drop") then error("X-Drop not removed") end
mt.disconnect(conn)
