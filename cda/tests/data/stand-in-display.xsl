<?xml version="1.0" encoding="UTF-8"?>
<!--
  STAND-IN display stylesheet, written for the segur-rs tests.

  It is NOT the ANS official display stylesheet (FeuilleDeStyle/CDA-FO.xsl of
  the public repository ansforge/TestContenuCDA-3-0), which segur-rs never
  ships. It only lets CI prove the display pipeline - segur_cda::stylesheet and
  the conformance scenario cda.display.official-stylesheet - with a small
  XSLT 1.0 stylesheet run by xsltproc: it renders the header (title, patient,
  author, date) and every section's title and narrative block to XHTML.

  Parameter `banner`: a line shown at the top (proves parameters are passed).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:hl7="urn:hl7-org:v3"
    xmlns="http://www.w3.org/1999/xhtml"
    exclude-result-prefixes="hl7">

  <xsl:output method="xml" omit-xml-declaration="yes" encoding="UTF-8" indent="no"/>
  <xsl:strip-space elements="hl7:ClinicalDocument hl7:section hl7:list hl7:table hl7:thead hl7:tbody hl7:tr"/>

  <xsl:param name="banner" select="'Rendu par la feuille de style de substitution des tests segur-rs'"/>

  <xsl:template match="/">
    <html>
      <head>
        <meta charset="utf-8"/>
        <title><xsl:value-of select="hl7:ClinicalDocument/hl7:title"/></title>
      </head>
      <body>
        <p class="banner"><xsl:value-of select="$banner"/></p>
        <xsl:apply-templates select="hl7:ClinicalDocument"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="hl7:ClinicalDocument">
    <h1><xsl:value-of select="hl7:title"/></h1>
    <table class="header">
      <tr>
        <th>Patient</th>
        <td><xsl:apply-templates select="hl7:recordTarget/hl7:patientRole/hl7:patient/hl7:name"/></td>
      </tr>
      <tr>
        <th>Auteur</th>
        <td><xsl:apply-templates select="hl7:author/hl7:assignedAuthor/hl7:assignedPerson/hl7:name"/></td>
      </tr>
      <tr>
        <th>Date du document</th>
        <td><xsl:value-of select="hl7:effectiveTime/@value"/></td>
      </tr>
      <tr>
        <th>Type</th>
        <td><xsl:value-of select="hl7:code/@displayName"/> (<xsl:value-of select="hl7:code/@code"/>)</td>
      </tr>
    </table>
    <xsl:apply-templates select="hl7:component/hl7:structuredBody/hl7:component/hl7:section"/>
    <xsl:for-each select="hl7:component/hl7:nonXMLBody/hl7:text">
      <p class="non-xml">Document non structuré (<xsl:value-of select="@mediaType"/>)</p>
    </xsl:for-each>
  </xsl:template>

  <xsl:template match="hl7:name">
    <span class="name">
      <xsl:for-each select="hl7:prefix | hl7:given">
        <xsl:value-of select="."/>
        <xsl:text> </xsl:text>
      </xsl:for-each>
      <xsl:for-each select="hl7:family">
        <xsl:if test="position() &gt; 1"><xsl:text> </xsl:text></xsl:if>
        <xsl:value-of select="."/>
      </xsl:for-each>
    </span>
  </xsl:template>

  <xsl:template match="hl7:section">
    <div class="section">
      <xsl:choose>
        <xsl:when test="ancestor::hl7:section"><h3><xsl:value-of select="hl7:title"/></h3></xsl:when>
        <xsl:otherwise><h2><xsl:value-of select="hl7:title"/></h2></xsl:otherwise>
      </xsl:choose>
      <div class="narrative"><xsl:apply-templates select="hl7:text/node()" mode="narrative"/></div>
      <xsl:apply-templates select="hl7:component/hl7:section"/>
    </div>
  </xsl:template>

  <!-- The narrative block: a fixed set of elements mapped to XHTML; text copied (escaped by the serializer). -->
  <xsl:template match="hl7:paragraph" mode="narrative"><p><xsl:apply-templates mode="narrative"/></p></xsl:template>
  <xsl:template match="hl7:list[@listType='ordered']" mode="narrative"><ol><xsl:apply-templates mode="narrative"/></ol></xsl:template>
  <xsl:template match="hl7:list" mode="narrative"><ul><xsl:apply-templates mode="narrative"/></ul></xsl:template>
  <xsl:template match="hl7:item" mode="narrative"><li><xsl:apply-templates mode="narrative"/></li></xsl:template>
  <xsl:template match="hl7:table" mode="narrative"><table><xsl:apply-templates mode="narrative"/></table></xsl:template>
  <xsl:template match="hl7:thead" mode="narrative"><thead><xsl:apply-templates mode="narrative"/></thead></xsl:template>
  <xsl:template match="hl7:tbody" mode="narrative"><tbody><xsl:apply-templates mode="narrative"/></tbody></xsl:template>
  <xsl:template match="hl7:tr" mode="narrative"><tr><xsl:apply-templates mode="narrative"/></tr></xsl:template>
  <xsl:template match="hl7:th" mode="narrative"><th><xsl:apply-templates mode="narrative"/></th></xsl:template>
  <xsl:template match="hl7:td" mode="narrative"><td><xsl:apply-templates mode="narrative"/></td></xsl:template>
  <xsl:template match="hl7:caption" mode="narrative"><strong><xsl:apply-templates mode="narrative"/></strong></xsl:template>
  <xsl:template match="hl7:br" mode="narrative"><br/></xsl:template>
  <xsl:template match="hl7:content" mode="narrative"><span><xsl:apply-templates mode="narrative"/></span></xsl:template>
  <xsl:template match="hl7:renderMultiMedia | hl7:footnoteRef" mode="narrative"/>
  <xsl:template match="*" mode="narrative"><xsl:apply-templates mode="narrative"/></xsl:template>
  <xsl:template match="text()" mode="narrative"><xsl:value-of select="."/></xsl:template>
</xsl:stylesheet>
