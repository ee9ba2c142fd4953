// SPDX-License-Identifier: Apache-2.0
/** TLS for the SMTP proxy: contexts built from PEM files. */
package dev.mailgate.smtp.tls;
